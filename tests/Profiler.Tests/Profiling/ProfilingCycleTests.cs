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
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.Equal(
            ["shop/DaemonSet/agent", "shop/Deployment/legacy", "shop/Deployment/web", "shop/StatefulSet/db"],
            report.Written.Select(p => p.Workload.ToString()));
        Assert.Equal([new WorkloadRef("shop", "Deployment", "thin")], report.KeptForThinData);
        Assert.Equal(1, report.UnownedContainers); // the bare pod's one container

        var web = (await harness.Store.GetAsync(new WorkloadRef("shop", "Deployment", "web"), CancellationToken.None))!;
        Assert.Equal(["proxy", "web"], web.Containers.Keys.Order());
        var webCpu = web.Containers["web"].Cpu!;
        // Old pods ran at 200m for 4 h, new ones at 400m for 3 h: the median is 200m, p95 and max 400m.
        Assert.Equal((400, 200, 400), (webCpu.Target, webCpu.Observed.P50, webCpu.Observed.Max));
        var webMemory = web.Containers["web"].Memory!;
        // Peak 150 Mi x 1.15 = 172.5 Mi, rounded up to 173 Mi.
        Assert.Equal((173 * Mi, 150 * Mi), (webMemory.Target, webMemory.Observed.Max));
        Assert.True(webMemory.Observed.History >= TimeSpan.FromHours(6.9), $"history {webMemory.Observed.History}");
        // The proxy's 20 Mi is lifted to the 32 Mi floor; its 50m CPU stays.
        Assert.Equal((50, 32 * Mi), (web.Containers["proxy"].Cpu!.Target, web.Containers["proxy"].Memory!.Target));

        var db = (await harness.Store.GetAsync(new WorkloadRef("shop", "StatefulSet", "db"), CancellationToken.None))!;
        Assert.Equal(1500, db.Containers["postgres"].Cpu!.Target);
        Assert.Equal(1178 * Mi, db.Containers["postgres"].Memory!.Target); // 1024 Mi x 1.15 = 1177.6 Mi
        Assert.Equal("percentile", db.Strategy);
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
            Strategy = "percentile",
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
    public async Task A_namespace_without_data_writes_nothing()
    {
        await using var harness = new ProfilerHarness(cluster, o => o.Namespaces = "empty");
        await harness.FlushRedisAsync();

        var report = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.Empty(report.Written);
        Assert.Empty(await harness.Store.ListAsync(null, CancellationToken.None));
    }
}
