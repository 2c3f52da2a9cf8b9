using System.Text.Json.Nodes;
using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;
using static Resorcerer.Updater.Tests.TestPods;

namespace Resorcerer.Updater.Tests.Updating;

/// <summary>
/// Running pods resized in place, through a fake API server's <c>pods/resize</c> and its simulated kubelet:
/// when a request leaves the profile's bounds, drifts in an old pod, or a container was OOM-killed; with limits
/// kept in ratio, QoS unchanged, sidecars included, and what people see (Events, the annotation, logs).
/// </summary>
public sealed class InPlaceResizeTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly WorkloadPolicy InPlace = new() { Mode = UpdateMode.InPlace };

    private static int _namespaces;

    private static string NewNamespace() => "inplace-" + Interlocked.Increment(ref _namespaces);

    private static WorkloadRef Web(string ns) => new(ns, "Deployment", "web");

    [Fact]
    public async Task A_request_outside_the_profile_bounds_is_resized_in_place_with_its_limit_in_ratio()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "a1b2c", new TestContainer("app", "100m", "256Mi", "200m", "512Mi")));

        var report = await cluster.PassAsync();

        var outcome = Assert.Single(report.Considered);
        Assert.True(outcome.Result == "done", outcome.Message);
        Assert.Equal((UpdateAction.Resize, "outside_bounds"), (outcome.Action, outcome.Reason));
        var (pod, contentType, _, status) = Assert.Single(cluster.Pods.Resizes);
        Assert.Equal(($"{ns}/web-5f7b8c9d4-a1b2c", "application/json-patch+json", 200), (pod, contentType.Split(';')[0], status));
        Assert.Empty(cluster.Pods.Evictions);

        // The kubelet applied it: what runs is what the spec asks for.
        var resized = cluster.Pods.Get(ns, "web-5f7b8c9d4-a1b2c")!;
        var app = resized.Spec.Containers[0].Resources;
        Assert.Equal(("400m", "800m"), (app.Requests["cpu"].ToString(), app.Limits["cpu"].ToString()));
        Assert.Equal(("256Mi", "512Mi"), (app.Requests["memory"].ToString(), app.Limits["memory"].ToString()));
        Assert.Equal("400m", resized.Status.ContainerStatuses[0].Resources.Requests["cpu"].ToString());
        Assert.Equal(2, resized.Metadata.Generation);

        // People see it: an Event with the old and new values, the pod's annotation, a log line.
        var recorded = Assert.Single(cluster.Pods.Events);
        Assert.Equal(("Normal", "Resized", "Pod", "web-5f7b8c9d4-a1b2c"), (recorded.Type, recorded.Reason, recorded.InvolvedObject.Kind, recorded.InvolvedObject.Name));
        Assert.Contains("cpu request 100m -> 400m", recorded.Message, StringComparison.Ordinal);
        Assert.Contains("cpu limit 200m -> 800m", recorded.Message, StringComparison.Ordinal);
        Assert.Equal("resorcerer-updater", recorded.Source.Component);
        Assert.StartsWith("resized in place (outside_bounds): app: cpu request 100m -> 400m", resized.Metadata.Annotations[ResorcererKeys.UpdatesAnnotation], StringComparison.Ordinal);
        Assert.Contains(cluster.Logs, l => l.StartsWith("Information: Resized", StringComparison.Ordinal) && l.Contains("web-5f7b8c9d4-a1b2c", StringComparison.Ordinal));

        // Next pass: within the profile, nothing more to do.
        var next = await cluster.PassAsync();
        Assert.Equal("within_profile", Assert.Single(next.Considered).Reason);
        Assert.Single(cluster.Pods.Resizes);

        // The dashboard reads what was done from Redis: the resize once, not the pass that did nothing.
        var logged = Assert.Single(await cluster.Updates.ReadAsync(Web(ns), 10, CancellationToken.None));
        Assert.Equal((report.At.ToUnixTimeSeconds(), "web-5f7b8c9d4-a1b2c", "resize", "outside_bounds", "done"),
            (logged.Timestamp, logged.Pod, logged.Action, logged.Reason, logged.Result));
        Assert.Contains("cpu request 100m -> 400m", logged.Message, StringComparison.Ordinal);
        Assert.Empty(await cluster.Updates.ReadAsync(new WorkloadRef(ns, "Deployment", "other"), 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_young_pod_within_bounds_is_left_alone_and_an_old_one_that_drifted_is_moved_to_its_target()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        cluster.Pods.Add(OfDeployment(ns, "web", "young", new TestContainer("app", "340m", "256Mi")));
        cluster.Clock.Advance(TimeSpan.FromHours(13));
        cluster.Pods.Add(OfDeployment(ns, "web", "fresh", new TestContainer("app", "340m", "256Mi")));
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));

        var report = await cluster.PassAsync();

        // 340m is 15% under the 400m target: within [320m, 600m], so only the pod older than 12 h moves.
        var byPod = report.Considered.ToDictionary(c => c.Pod.Name);
        Assert.Equal("drift", byPod["web-5f7b8c9d4-young"].Reason);
        Assert.Equal("within_profile", byPod["web-5f7b8c9d4-fresh"].Reason);
        Assert.Equal("400m", cluster.Pods.Get(ns, "web-5f7b8c9d4-young")!.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.Equal("340m", cluster.Pods.Get(ns, "web-5f7b8c9d4-fresh")!.Spec.Containers[0].Resources.Requests["cpu"].ToString());
    }

    [Fact]
    public async Task An_OOM_killed_container_gets_more_memory_at_once_even_in_a_young_pod()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "oom01", new TestContainer("app", "400m", "256Mi", null, "512Mi")));
        cluster.Clock.Advance(TimeSpan.FromMinutes(10));
        cluster.Pods.Update(ns, "web-5f7b8c9d4-oom01", pod => pod["status"]!["containerStatuses"]![0]!["lastState"] = new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                ["reason"] = "OOMKilled", ["exitCode"] = 137,
                ["finishedAt"] = cluster.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            },
        });

        var report = await cluster.PassAsync();

        Assert.Equal(("oom_killed", "done"), (Assert.Single(report.Considered).Reason, report.Considered[0].Result));
        var app = cluster.Pods.Get(ns, "web-5f7b8c9d4-oom01")!.Spec.Containers[0].Resources;
        // max(256 Mi + 100 Mi, 256 Mi x 1.2) = 356 Mi, the limit in ratio (x2).
        Assert.Equal(("356Mi", "712Mi"), (app.Requests["memory"].ToString(), app.Limits["memory"].ToString()));
        Assert.Equal("400m", app.Requests["cpu"].ToString());

        // The kill is answered once: the pod's annotation says when the updater last changed it.
        var next = await cluster.PassAsync();
        Assert.NotEqual("oom_killed", Assert.Single(next.Considered).Reason);
    }

    [Fact]
    public async Task A_guaranteed_pod_stays_guaranteed_a_native_sidecar_is_resized_with_it_and_no_memory_limit_falls_unchecked()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow(), ("app", 500, 300 * Mi), ("proxy", 100, 64 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "gtd01",
            new TestContainer("app", "1", "1Gi", "1", "1Gi"),
            new TestContainer("proxy", "300m", "256Mi", "300m", "256Mi") { Sidecar = true }));

        var report = await cluster.PassAsync();

        var outcome = Assert.Single(report.Considered);
        Assert.Equal("done", outcome.Result);
        var pod = cluster.Pods.Get(ns, "web-5f7b8c9d4-gtd01")!;
        Assert.Equal("Guaranteed", pod.Status.QosClass);
        var app = pod.Spec.Containers[0].Resources;
        var proxy = pod.Spec.InitContainers[0].Resources;
        Assert.Equal(("500m", "500m"), (app.Requests["cpu"].ToString(), app.Limits["cpu"].ToString()));

        // Without working sets to check against (no Prometheus here), no memory limit is lowered.
        Assert.Equal(("1Gi", "1Gi"), (app.Requests["memory"].ToString(), app.Limits["memory"].ToString()));
        Assert.Contains("memory of app, proxy kept", outcome.Message, StringComparison.Ordinal);
        Assert.Equal(("100m", "100m"), (proxy.Requests["cpu"].ToString(), proxy.Limits["cpu"].ToString()));
        Assert.Equal("100m", pod.Status.InitContainerStatuses[0].Resources.Requests["cpu"].ToString());
        var patch = JsonNode.Parse(Assert.Single(cluster.Pods.Resizes).Body)!.AsArray();
        Assert.Contains(patch, op => op!["path"]!.GetValue<string>().StartsWith("/spec/initContainers/0/resources", StringComparison.Ordinal));
        Assert.All(patch, op => Assert.StartsWith("/spec/", op!["path"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_best_effort_or_burstable_pod_keeps_its_QoS_class()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow(), ("app", 500, 300 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "bfx01", new TestContainer("app")));
        cluster.Pods.Add(OfDeployment(ns, "web", "bst01", new TestContainer("app", "1", "300Mi", "1", null)));

        var report = await cluster.PassAsync();

        // BestEffort cannot gain requests in place (QoS would change); the Burstable one must not become Guaranteed.
        var byPod = report.Considered.ToDictionary(c => c.Pod.Name);
        Assert.NotEqual(UpdateAction.Resize, byPod["web-5f7b8c9d4-bfx01"].Action);
        Assert.Null(cluster.Pods.Get(ns, "web-5f7b8c9d4-bfx01")!.Spec.Containers[0].Resources);
        foreach (var (pod, _, _, status) in cluster.Pods.Resizes)
        {
            Assert.Equal(200, status);
            Assert.Equal("Burstable", cluster.Pods.Get(ns, pod.Split('/')[1])!.Status.QosClass);
        }
    }

    [Fact]
    public async Task Pods_labelled_skip_and_workloads_in_Initial_or_Off_are_never_touched()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        await cluster.StoreAsync(Profile(new WorkloadRef(ns, "Deployment", "initial"), WorkloadPolicy.Default, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        await cluster.StoreAsync(Profile(new WorkloadRef(ns, "Deployment", "off"), new WorkloadPolicy { Mode = UpdateMode.Off }, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        var skipped = OfDeployment(ns, "web", "skip1", new TestContainer("app", "100m", "64Mi"));
        skipped.Metadata.Labels[ResorcererKeys.SkipLabel] = "true";
        cluster.Pods.Add(skipped);
        cluster.Pods.Add(OfDeployment(ns, "initial", "init1", new TestContainer("app", "100m", "64Mi")));
        cluster.Pods.Add(OfDeployment(ns, "off", "off01", new TestContainer("app", "100m", "64Mi")));

        var report = await cluster.PassAsync();

        Assert.Equal(
            new[] { ("initial-5f7b8c9d4-init1", "mode_initial"), ("off-5f7b8c9d4-off01", "mode_off"), ("web-5f7b8c9d4-skip1", "skip_label") },
            report.Considered.Select(c => (c.Pod.Name, c.Reason)).Order());
        Assert.Empty(cluster.Pods.Resizes);
        Assert.Empty(cluster.Pods.Evictions);
        Assert.Empty(cluster.Pods.Events);
    }

    [Fact]
    public async Task Dry_run_says_what_it_would_do_and_changes_nothing()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis, new Dictionary<string, string?> { ["DryRun"] = "true" });
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), new WorkloadPolicy { Mode = UpdateMode.InPlaceOrRecreate }, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "dry01", new TestContainer("app", "100m", "256Mi")));
        cluster.Pods.Add(OfDeployment(ns, "web", "dry02", new TestContainer("app", "100m", "256Mi")));

        var report = await cluster.PassAsync();

        Assert.All(report.Considered, c => Assert.Equal((UpdateAction.Resize, "dry_run"), (c.Action, c.Result)));
        Assert.Empty(cluster.Pods.Resizes);
        Assert.Empty(cluster.Pods.Patches);
        Assert.Empty(cluster.Pods.Events);
        Assert.Equal(2, cluster.Logs.Count(l => l.Contains("Dry run: would resize", StringComparison.Ordinal) && l.Contains("cpu request 100m -> 400m", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_stale_profile_moves_no_pod()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        await cluster.StoreAsync(Profile(Web(ns), InPlace, cluster.Clock.GetUtcNow().AddDays(-8), ("app", 400, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "old01", new TestContainer("app", "100m", "256Mi")));

        var report = await cluster.PassAsync();

        Assert.Equal("profile_stale", Assert.Single(report.Considered).Reason);
        Assert.Empty(cluster.Pods.Resizes);
    }
}
