using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;
using static Resorcerer.Updater.Tests.TestPods;

namespace Resorcerer.Updater.Tests.Updating;

/// <summary>
/// What happens when a resize cannot be done, and the rules that keep running pods safe: the kubelet's
/// Infeasible, Deferred and stuck resizes fall back to eviction (InPlaceOrRecreate) or are reported (InPlace);
/// eviction goes through the Eviction API, respects PodDisruptionBudgets, needs enough Ready replicas and a
/// controller (never a Job's pod); one pod of a workload at a time; a cluster-wide rate; backoff after failures.
/// </summary>
public sealed class FallbackAndSafetyTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static int _namespaces;

    private static string NewNamespace() => "fallback-" + Interlocked.Increment(ref _namespaces);

    private static WorkloadRef Web(string ns) => new(ns, "Deployment", "web");

    private static async Task<UpdaterHarness> ClusterAsync(IRedisUnderTest redis, string ns, UpdateMode mode, int pods, IDictionary<string, string?>? settings = null)
    {
        var cluster = await UpdaterHarness.StartAsync(redis, settings);
        await cluster.StoreAsync(Profile(Web(ns), new WorkloadPolicy { Mode = mode }, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        for (var i = 0; i < pods; i++)
        {
            cluster.Pods.Add(OfDeployment(ns, "web", $"pod{i:00}", new TestContainer("app", "100m", "256Mi")));
        }

        return cluster;
    }

    [Theory]
    [InlineData(KubeletAnswer.Infeasible, "resize_infeasible")]
    [InlineData(KubeletAnswer.Error, "resize_failed")]
    public async Task A_resize_the_kubelet_cannot_apply_is_evicted_in_InPlaceOrRecreate(KubeletAnswer answer, string reason)
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.InPlaceOrRecreate, pods: 2);
        cluster.Pods.Kubelet = answer;

        // First pass: one pod resized (one at a time); the kubelet refuses it.
        var first = await cluster.PassAsync();
        Assert.Single(first.Considered, c => c.Result == "done");
        var resized = Assert.Single(cluster.Pods.Resizes).Pod.Split('/')[1];

        var second = await cluster.PassAsync();

        var fallback = Assert.Single(second.Considered, c => c.Pod.Name == resized);
        Assert.Equal((UpdateAction.Evict, reason, "done"), (fallback.Action, fallback.Reason, fallback.Result));
        Assert.Equal((resized, 201), (cluster.Pods.Evictions.Single().Pod.Split('/')[1], cluster.Pods.Evictions.Single().Status));
        Assert.Null(cluster.Pods.Get(ns, resized));
        var evicted = Assert.Single(cluster.Pods.Events, e => e.Reason == "Evicted");
        Assert.Contains("the kubelet did not apply the resize", evicted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_InPlace_an_infeasible_resize_is_reported_once_never_evicted_and_the_workload_backed_off()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.InPlace, pods: 2);
        cluster.Pods.Kubelet = KubeletAnswer.Infeasible;

        await cluster.PassAsync();
        var second = await cluster.PassAsync();
        var third = await cluster.PassAsync();

        Assert.Empty(cluster.Pods.Evictions);
        var reported = Assert.Single(cluster.Pods.Events, e => e.Reason == "ResizeInfeasible");
        Assert.Equal("Warning", reported.Type);
        Assert.Contains("Node didn't have enough capacity", reported.Message, StringComparison.Ordinal);
        Assert.Contains("left as it is in mode InPlace", reported.Message, StringComparison.Ordinal);

        // The other pod would fail the same way: the workload is left alone, not retried every pass.
        Assert.Single(cluster.Pods.Resizes);
        Assert.Contains(second.Considered, c => c.Result == "backed_off");
        Assert.Contains(third.Considered, c => c.Result == "backed_off");
        Assert.Equal(1, cluster.Tracker.BackedOffCount(cluster.Clock.GetUtcNow()));

        // After the backoff (5 minutes) it is tried again.
        cluster.Clock.Advance(TimeSpan.FromMinutes(6));
        await cluster.PassAsync();
        Assert.Equal(2, cluster.Pods.Resizes.Count);
    }

    [Fact]
    public async Task A_deferred_resize_waits_five_minutes_then_falls_back()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.InPlaceOrRecreate, pods: 2);
        cluster.Pods.Kubelet = KubeletAnswer.Deferred;

        await cluster.PassAsync();
        cluster.Clock.Advance(TimeSpan.FromMinutes(4));
        var waiting = await cluster.PassAsync();

        Assert.Empty(cluster.Pods.Evictions);
        Assert.Contains(waiting.Considered, c => c.Reason == "resize_pending");
        Assert.Single(cluster.Pods.Resizes); // the other pod waits: one pod of a workload at a time

        cluster.Clock.Advance(TimeSpan.FromMinutes(2));
        var fallback = await cluster.PassAsync();

        Assert.Contains(fallback.Considered, c => (c.Action, c.Reason, c.Result) == (UpdateAction.Evict, "resize_deferred", "done"));
        Assert.Single(cluster.Pods.Evictions);
    }

    [Fact]
    public async Task A_resize_in_progress_for_more_than_an_hour_falls_back()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.InPlaceOrRecreate, pods: 2);
        cluster.Pods.Kubelet = KubeletAnswer.InProgress;

        await cluster.PassAsync();
        cluster.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.DoesNotContain((await cluster.PassAsync()).Considered, c => c.Action == UpdateAction.Evict);
        cluster.Clock.Advance(TimeSpan.FromMinutes(31));
        var fallback = await cluster.PassAsync();

        Assert.Contains(fallback.Considered, c => (c.Action, c.Reason, c.Result) == (UpdateAction.Evict, "resize_stuck", "done"));
    }

    [Fact]
    public async Task Recreate_evicts_through_the_Eviction_API_and_a_disruption_budget_makes_it_wait()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.Recreate, pods: 3);
        cluster.Pods.AddDisruptionBudget(ns, new Dictionary<string, string> { ["app"] = "web" }, disruptionsAllowed: 0);

        var blocked = await cluster.PassAsync();
        await cluster.PassAsync();

        // 429 twice: never deleted, said once, tried again each pass.
        Assert.Equal(3, cluster.Pods.All().Count);
        Assert.Equal(2, cluster.Pods.Evictions.Count);
        Assert.All(cluster.Pods.Evictions, e => Assert.Equal(429, e.Status));
        Assert.Contains(blocked.Considered, c => c.Result == "blocked");
        var said = Assert.Single(cluster.Pods.Events, e => e.Reason == "EvictionBlocked");
        Assert.Contains("disruption budget", said.Message, StringComparison.Ordinal);
        Assert.Empty(cluster.Pods.Resizes);
        var evictionBody = cluster.Api.Requests.Where(r => r.StartsWith("POST", StringComparison.Ordinal) && r.Contains("/eviction", StringComparison.Ordinal));
        Assert.Equal(2, evictionBody.Count());
    }

    [Fact]
    public async Task Recreate_evicts_one_pod_at_a_time_and_waits_for_its_replacement()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.Recreate, pods: 3);

        await cluster.PassAsync();
        await cluster.PassAsync();

        Assert.Single(cluster.Pods.Evictions);
        Assert.Equal(2, cluster.Pods.All().Count);
        Assert.Single(cluster.Pods.Events, e => e.Reason == "Evicted");

        // The ReplicaSet's replacement, sized at admission, becomes Ready: the next pod may go.
        cluster.Pods.Add(OfDeployment(ns, "web", "new01", new TestContainer("app", "400m", "256Mi")));
        await cluster.PassAsync();

        Assert.Equal(2, cluster.Pods.Evictions.Count);
    }

    [Fact]
    public async Task A_workload_with_fewer_ready_pods_than_min_replicas_is_not_evicted_but_said()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.Recreate, pods: 1);

        var report = await cluster.PassAsync();

        Assert.Equal((UpdateAction.Report, "too_few_replicas"), (report.Considered[0].Action, report.Considered[0].Reason));
        Assert.Empty(cluster.Pods.Evictions);
        var said = Assert.Single(cluster.Pods.Events);
        Assert.Equal(("Warning", "TooFewReplicas"), (said.Type, said.Reason));
        Assert.Contains("fewer than --min-replicas 2", said.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pods_of_Jobs_CronJobs_and_pods_without_a_controller_are_never_evicted()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = NewNamespace();
        var recreate = new WorkloadPolicy { Mode = UpdateMode.Recreate };
        await cluster.StoreAsync(Profile(new WorkloadRef(ns, "Job", "migrate"), recreate, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        await cluster.StoreAsync(Profile(new WorkloadRef(ns, "CronJob", "report"), recreate, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        for (var i = 0; i < 2; i++)
        {
            cluster.Pods.Add(Pod(ns, $"migrate-{i}", "Job", "migrate", [new TestContainer("app", "100m", "256Mi")]));
            cluster.Pods.Add(Pod(ns, $"report-29000000-{i}", "Job", "report-29000000", [new TestContainer("app", "100m", "256Mi")]));
            cluster.Pods.Add(Pod(ns, $"bare-{i}", null, null, [new TestContainer("app", "100m", "256Mi")]));
        }

        var report = await cluster.PassAsync();

        // The bare pods have no workload, so no profile: they are not even considered.
        Assert.Equal(4, report.Considered.Count);
        Assert.All(report.Considered, c => Assert.Equal((UpdateAction.Report, "not_evictable"), (c.Action, c.Reason)));
        Assert.Empty(cluster.Pods.Evictions);
        Assert.Equal(6, cluster.Pods.All().Count);
    }

    [Fact]
    public async Task A_kubelet_that_reports_no_container_resources_gets_an_eviction_or_a_report()
    {
        var ns = NewNamespace();
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        await cluster.StoreAsync(Profile(Web(ns), new WorkloadPolicy { Mode = UpdateMode.InPlace }, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(ns, "web", "old01", new TestContainer("app", "100m", "256Mi")), reportResources: false);
        cluster.Pods.Add(OfDeployment(ns, "web", "old02", new TestContainer("app", "100m", "256Mi")), reportResources: false);

        var report = await cluster.PassAsync();

        Assert.All(report.Considered, c => Assert.Equal("resize_unsupported", c.Reason));
        Assert.Empty(cluster.Pods.Resizes);
        Assert.Contains("Kubernetes 1.33 or newer", cluster.Pods.Events.First().Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_most_max_updates_per_minute_actions_across_the_cluster()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis, new Dictionary<string, string?> { ["MaxUpdatesPerMinute"] = "2" });
        var ns = NewNamespace();
        foreach (var name in new[] { "a", "b", "c", "d" })
        {
            await cluster.StoreAsync(Profile(new WorkloadRef(ns, "Deployment", name), new WorkloadPolicy { Mode = UpdateMode.InPlace }, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
            cluster.Pods.Add(OfDeployment(ns, name, "x0001", new TestContainer("app", "100m", "256Mi")));
        }

        var first = await cluster.PassAsync();

        Assert.Equal(2, cluster.Pods.Resizes.Count);
        Assert.Equal(2, first.Considered.Count(c => c.Result == "rate_limited"));

        cluster.Clock.Advance(TimeSpan.FromSeconds(30));
        await cluster.PassAsync();
        Assert.Equal(2, cluster.Pods.Resizes.Count);

        cluster.Clock.Advance(TimeSpan.FromSeconds(31));
        await cluster.PassAsync();
        Assert.Equal(4, cluster.Pods.Resizes.Count);
    }

    [Fact]
    public async Task A_resize_the_kubelet_has_not_seen_yet_keeps_the_rest_of_its_workload_waiting()
    {
        var ns = NewNamespace();
        await using var cluster = await ClusterAsync(redis.Redis, ns, UpdateMode.InPlace, pods: 3);
        cluster.Pods.Kubelet = KubeletAnswer.Unseen;

        await cluster.PassAsync();
        var waiting = await cluster.PassAsync();

        Assert.Single(cluster.Pods.Resizes);
        Assert.Equal(2, waiting.Considered.Count(c => c.Result == "waiting"));

        // The kubelet catches up: the next pod goes.
        var first = cluster.Pods.Resizes.Single().Pod.Split('/')[1];
        cluster.Pods.Update(ns, first, pod =>
        {
            pod["status"]!["observedGeneration"] = 2;
            pod["status"]!["containerStatuses"]![0]!["resources"] = pod["spec"]!["containers"]![0]!["resources"]!.DeepClone();
        });
        await cluster.PassAsync();

        Assert.Equal(2, cluster.Pods.Resizes.Count);
        Assert.Contains(cluster.Logs, l => l.Contains($"The resize of {ns}/{first} is done", StringComparison.Ordinal));
    }
}
