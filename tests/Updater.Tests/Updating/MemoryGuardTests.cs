using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;
using StackExchange.Redis;
using static Resorcerer.Updater.Tests.TestPods;

namespace Resorcerer.Updater.Tests.Updating;

/// <summary>
/// Working sets in a real Prometheus (cAdvisor's series), namespace <c>guarded</c>, for the last 30 minutes:
/// <list type="bullet">
/// <item>web-...-hot01: 400 Mi of its 512 Mi limit (78%); web-...-cool1: 200 Mi (39%).</item>
/// <item>lean-...-busy1: 700 Mi under a 1 Gi limit; lean-...-idle1: 100 Mi under the same limit.</item>
/// </list>
/// </summary>
public static class GuardCluster
{
    public const string Namespace = "guarded";

    public static ClusterSeries Build(DateTimeOffset end)
    {
        var e = end.ToUnixTimeSeconds() / 60 * 60;
        var series = new ClusterSeries(TimeSpan.FromMinutes(1));
        foreach (var (pod, owner, memory) in new[]
        {
            ("web-5f7b8c9d4-hot01", "web-5f7b8c9d4", 400 * Mi), ("web-5f7b8c9d4-cool1", "web-5f7b8c9d4", 200 * Mi),
            ("lean-5f7b8c9d4-busy1", "lean-5f7b8c9d4", 700 * Mi), ("lean-5f7b8c9d4-idle1", "lean-5f7b8c9d4", 100 * Mi),
        })
        {
            series.Add(new PodSeries(Namespace, pod, "ReplicaSet", owner, e - 1800, e, [new ContainerUsageSeries("app", _ => 0.1, _ => memory)]));
        }

        return series;
    }
}

public sealed class GuardFixture() : SeriesFixture(GuardCluster.Build);

/// <summary>The memory guard and the memory-limit safety, reading working sets from a real Prometheus.</summary>
public sealed class MemoryGuardTests(GuardFixture fixture) : IClassFixture<GuardFixture>
{
    private const string Ns = GuardCluster.Namespace;

    private async Task<UpdaterHarness> ClusterAsync(IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { ["PrometheusUrl"] = fixture.Prometheus.Url.ToString() };
        var clock = new TestClock();
        clock.Advance(fixture.End.AddSeconds(30) - clock.GetUtcNow()); // the data ends now
        return await UpdaterHarness.StartAsync(fixture.Redis, values, clock: clock);
    }

    [Fact]
    public async Task A_working_set_at_the_threshold_multiplies_memory_in_place_and_the_profiler_is_told()
    {
        await using var cluster = await ClusterAsync();
        var policy = new WorkloadPolicy { Mode = UpdateMode.InPlace, MemoryGuard = new MemoryGuard(75, 2) };
        await cluster.StoreAsync(Profile(new WorkloadRef(Ns, "Deployment", "web"), policy, cluster.Clock.GetUtcNow(), ("app", 100, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(Ns, "web", "hot01", new TestContainer("app", "100m", "256Mi", null, "512Mi")));
        cluster.Pods.Add(OfDeployment(Ns, "web", "cool1", new TestContainer("app", "100m", "256Mi", null, "512Mi")));

        var report = await cluster.PassAsync();

        var hot = Assert.Single(report.Considered, c => c.Pod.Name == "web-5f7b8c9d4-hot01");
        Assert.Equal((UpdateAction.Resize, "memory_guard", "done"), (hot.Action, hot.Reason, hot.Result));
        Assert.Contains("app uses 400Mi of 512Mi (threshold 75%)", hot.Message, StringComparison.Ordinal);
        Assert.NotEqual("memory_guard", report.Considered.Single(c => c.Pod.Name == "web-5f7b8c9d4-cool1").Reason);
        var app = cluster.Pods.Get(Ns, "web-5f7b8c9d4-hot01")!.Spec.Containers[0].Resources;
        Assert.Equal(("512Mi", "1Gi"), (app.Requests["memory"].ToString(), app.Limits["memory"].ToString()));
        Assert.Equal("100m", app.Requests["cpu"].ToString());

        // The profiler learns of it as of an OOM kill at that working set.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.Configuration);
        var told = await new RedisMemoryPressureLog(redis).ReadAsync([Ns], cluster.Clock.GetUtcNow().AddMinutes(-1).ToUnixTimeSeconds(), cluster.Clock.GetUtcNow().ToUnixTimeSeconds(), CancellationToken.None);
        var pressure = Assert.Single(told, t => t.Pod == "web-5f7b8c9d4-hot01");
        Assert.Equal(("app", 400.0 * Mi), (pressure.Container, pressure.WorkingSetBytes));
    }

    [Fact]
    public async Task The_guard_stays_within_the_policy_maximum()
    {
        await using var cluster = await ClusterAsync();
        var policy = new WorkloadPolicy { Mode = UpdateMode.InPlace, MemoryGuard = new MemoryGuard(75, 4), Allowed = new ResourceBounds(MaxMemory: 700 * Mi) };
        await cluster.StoreAsync(Profile(new WorkloadRef(Ns, "Deployment", "web"), policy, cluster.Clock.GetUtcNow(), ("app", 100, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(Ns, "web", "hot01", new TestContainer("app", "100m", "256Mi", null, "512Mi")));

        await cluster.PassAsync();

        var app = cluster.Pods.Get(Ns, "web-5f7b8c9d4-hot01")!.Spec.Containers[0].Resources;
        Assert.Equal(("700Mi", "1400Mi"), (app.Requests["memory"].ToString(), app.Limits["memory"].ToString()));
    }

    [Fact]
    public async Task The_chart_wide_default_guard_applies_where_a_workload_sets_none()
    {
        await using var cluster = await ClusterAsync(new Dictionary<string, string?> { ["MemoryThresholdPercent"] = "75", ["MemoryMultiplier"] = "1.5" });
        await cluster.StoreAsync(Profile(new WorkloadRef(Ns, "Deployment", "web"), new WorkloadPolicy { Mode = UpdateMode.InPlace }, cluster.Clock.GetUtcNow(), ("app", 100, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(Ns, "web", "hot01", new TestContainer("app", "100m", "256Mi", null, "512Mi")));

        var report = await cluster.PassAsync();

        Assert.Equal("memory_guard", Assert.Single(report.Considered).Reason);
        Assert.Equal("384Mi", cluster.Pods.Get(Ns, "web-5f7b8c9d4-hot01")!.Spec.Containers[0].Resources.Requests["memory"].ToString());
    }

    [Fact]
    public async Task A_memory_limit_is_lowered_only_where_the_container_uses_well_under_it()
    {
        await using var cluster = await ClusterAsync();
        await cluster.StoreAsync(Profile(new WorkloadRef(Ns, "Deployment", "lean"), new WorkloadPolicy { Mode = UpdateMode.InPlace }, cluster.Clock.GetUtcNow(), ("app", 100, 256 * Mi)));
        cluster.Pods.Add(OfDeployment(Ns, "lean", "busy1", new TestContainer("app", "300m", "512Mi", null, "1Gi")));
        cluster.Pods.Add(OfDeployment(Ns, "lean", "idle1", new TestContainer("app", "300m", "512Mi", null, "1Gi")));

        var first = await cluster.PassAsync();
        await cluster.PassAsync();

        // busy1 uses 700 Mi: a 512 Mi limit would kill it, so its memory stays and only CPU moves.
        var busy = cluster.Pods.Get(Ns, "lean-5f7b8c9d4-busy1")!.Spec.Containers[0].Resources;
        Assert.Equal(("100m", "512Mi", "1Gi"), (busy.Requests["cpu"].ToString(), busy.Requests["memory"].ToString(), busy.Limits["memory"].ToString()));
        Assert.Contains(first.Considered, c => c.Message.Contains("memory of app kept", StringComparison.Ordinal));

        // idle1 uses 100 Mi: its limit goes down with its request.
        var idle = cluster.Pods.Get(Ns, "lean-5f7b8c9d4-idle1")!.Spec.Containers[0].Resources;
        Assert.Equal(("256Mi", "512Mi"), (idle.Requests["memory"].ToString(), idle.Limits["memory"].ToString()));
        Assert.Single(cluster.Pods.Resizes, r => r.Pod.EndsWith("idle1", StringComparison.Ordinal));
    }
}
