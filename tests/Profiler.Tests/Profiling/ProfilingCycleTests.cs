using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Profiling;

[Collection(ClusterCollection.Name)]
public sealed class ProfilingCycleTests(ClusterFixture cluster)
{
    private const long Mi = TestCluster.Mi;

    [Fact]
    public async Task A_cycle_profiles_each_workload_from_all_its_pods()
    {
        // KRR's rule keeps the expectations simple: CPU p95 (from 1%-wide buckets), memory peak x 1.15.
        await using var harness = new ProfilerHarness(cluster, o => o.Strategy = "krr");
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.Equal(
            ["shop/DaemonSet/agent", "shop/Deployment/legacy", "shop/Deployment/web", "shop/StatefulSet/db"],
            report.Written.Select(p => p.Workload.ToString()));
        Assert.Equal([new WorkloadRef("shop", "Deployment", "thin")], report.KeptForThinData);
        Assert.Equal(1, report.UnownedContainers); // the bare pod's one container
        Assert.Equal(1, report.OomKills);

        var web = (await harness.Store.GetAsync(new WorkloadRef("shop", "Deployment", "web"), CancellationToken.None))!;
        Assert.Equal("krr", web.Strategy);
        Assert.Equal(["proxy", "web"], web.Containers.Keys.Order());
        var webCpu = web.Containers["web"].Cpu!;
        // Old pods ran at 200m for 4 h, new ones at 400m for 3 h: p95 is 400m, read as its bucket's upper edge 401.26m.
        Assert.Equal(402, webCpu.Target);
        Assert.Equal(400, webCpu.Observed.Max);
        // The observed median falls in the 200m bucket (upper edge 215.8m): the older samples weigh a little less, not nothing.
        Assert.Equal(216, webCpu.Observed.P50);
        var webMemory = web.Containers["web"].Memory!;
        // Peak 150 Mi x 1.15 = 172.5 Mi, rounded up to 173 Mi.
        Assert.Equal((173 * Mi, 150 * Mi), (webMemory.Target, webMemory.Observed.Max));
        Assert.True(webMemory.Observed.History >= TimeSpan.FromHours(6.9), $"history {webMemory.Observed.History}");
        // The proxy's 50m reads as 50.38m; its 20 Mi is lifted to KRR's 100 Mi floor.
        Assert.Equal((51, 100 * Mi), (web.Containers["proxy"].Cpu!.Target, web.Containers["proxy"].Memory!.Target));

        var db = (await harness.Store.GetAsync(new WorkloadRef("shop", "StatefulSet", "db"), CancellationToken.None))!;
        Assert.Equal(1506, db.Containers["postgres"].Cpu!.Target);
        Assert.Equal(1178 * Mi, db.Containers["postgres"].Memory!.Target); // 1024 Mi x 1.15 = 1177.6 Mi
    }

    [Fact]
    public async Task Without_a_mesh_profiles_have_no_connections_and_nothing_fails()
    {
        await using var harness = new ProfilerHarness(cluster);
        await using var meshOff = new ProfilerHarness(cluster, o => o.ConnectionWindow = Configuration.Duration.FromSeconds(0));
        await harness.FlushRedisAsync();
        var withoutMesh = await meshOff.Cycle.RunAsync(CancellationToken.None);
        await harness.FlushRedisAsync(); // the same start: no cursors

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.NotEmpty(report.Written);
        Assert.All(report.Written, p => Assert.Null(p.Connections));
        Assert.Null((await harness.Store.GetAsync(new WorkloadRef("shop", "Deployment", "web"), CancellationToken.None))!.Connections);
        // The mesh costs a fixed eight queries a cycle, answered empty here.
        Assert.Equal(8, report.Queries - withoutMesh.Queries);
    }

    [Fact]
    public async Task The_default_strategy_hears_of_oom_kills()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        var db = report.Written.Single(p => p.Workload.Name == "db");
        Assert.Equal("resorcerer", db.Strategy);
        // Flat 1 GiB alone would get 1 GiB x 1.15 = 1177.6 Mi; the kill 2 h ago counts as a peak 10% above what was in
        // use (1126.4 Mi), with the 15% margin above that (wider than the swing to the mean): 1295.4 Mi, rounded up.
        Assert.Equal(1296 * Mi, db.Containers["postgres"].Memory!.Target);
        var agent = report.Written.Single(p => p.Workload.Name == "agent");
        Assert.Equal(35 * Mi, agent.Containers["agent"].Memory!.Target); // 30 Mi x 1.15, rounded up
    }

    [Fact]
    public async Task Thin_data_never_overwrites_a_stored_profile()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        var thin = new WorkloadRef("shop", "Deployment", "thin");
        var stored = new WorkloadProfile
        {
            Workload = thin,
            UpdatedAt = DateTimeOffset.UtcNow.AddDays(-1),
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile>
            {
                ["app"] = new(new ResourceProfile(777, 1, 1000, new UsageSummary(1, 2, 3, 4, 5, 6, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch)), null),
            },
        };
        await harness.Store.PutAsync(stored, CancellationToken.None);

        await harness.Cycle.RunAsync(CancellationToken.None);

        var after = (await harness.Store.GetAsync(thin, CancellationToken.None))!;
        Assert.Equal(777, after.Containers["app"].Cpu!.Target);
        Assert.Equal(stored.UpdatedAt, after.UpdatedAt);
    }

    [Fact]
    public async Task Only_the_profiled_namespaces_are_read()
    {
        await using var harness = new ProfilerHarness(cluster, o => o.Namespaces = "other");
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.Equal(["other/Deployment/elsewhere"], report.Written.Select(p => p.Workload.ToString()));
        Assert.Empty(await harness.Store.ListAsync("shop", CancellationToken.None));
    }

    [Fact]
    public async Task Every_run_of_a_cronjob_counts_for_the_cronjob()
    {
        await using var harness = new ProfilerHarness(cluster, o => (o.Namespaces, o.Strategy) = ("batch", "krr"));
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        var profile = Assert.Single(report.Written);
        Assert.Equal(new WorkloadRef("batch", "CronJob", "report"), profile.Workload);
        Assert.Equal(295 * Mi, profile.Containers["report"].Memory!.Target); // 256 Mi x 1.15 = 294.4 Mi
        Assert.True(profile.Containers["report"].Memory!.Observed.History >= TimeSpan.FromHours(6.9), "both runs' samples");
    }

    [Fact]
    public async Task A_namespace_without_data_writes_nothing()
    {
        await using var harness = new ProfilerHarness(cluster, o => o.Namespaces = "empty");
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.Empty(report.Written);
        Assert.Empty(await harness.Store.ListAsync(null, CancellationToken.None));
    }
}
