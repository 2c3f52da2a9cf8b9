using Resorcerer.Profiler.Recommendation;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>Bad readings in a real Prometheus never reach a profile: they are dropped and counted, and what is stored is sane.</summary>
public sealed class HostileDataTests(HostileFixture cluster) : IClassFixture<HostileFixture>
{
    private const long Mi = HostileCluster.Mi, Gi = HostileCluster.Gi;

    [Fact]
    public async Task Impossible_readings_are_dropped_and_counted_and_every_stored_profile_is_sane()
    {
        await using var harness = new ProfilerHarness(cluster.Prometheus, cluster.Redis, HostileCluster.Namespace);
        await harness.FlushRedisAsync();

        var report = await harness.NewCycle(clock: new MovableTime(cluster.End.AddMinutes(3))).RunAsync(CancellationToken.None);

        Assert.True(report.Rejected.GetValueOrDefault(UsageSanity.AboveNodeCapacity) >= 2, string.Join(", ", report.Rejected)); // 2^64-1 bytes, a billion cores
        Assert.True(report.Rejected.GetValueOrDefault(UsageSanity.Negative) >= 1, string.Join(", ", report.Rejected));
        Assert.True(report.Rejected.GetValueOrDefault(UsageSanity.NotANumber) >= 1, string.Join(", ", report.Rejected));

        var glitchy = (await harness.Store.GetAsync(new WorkloadRef(HostileCluster.Namespace, "Deployment", "glitchy"), CancellationToken.None))!;
        var app = glitchy.Containers["app"];
        // 200 MiB all along; the one-scrape spike to 8000 MiB counts for at most ten times the reading before it.
        Assert.InRange(app.Memory!.Target, 200 * Mi, 2000 * Mi * 11 / 10 + 512 * Mi); // resorcerer: peak x 1.1 plus at most 512 MiB of headroom
        Assert.InRange(app.Memory.Observed.Max, 200 * Mi, 2000 * Mi);
        Assert.InRange(app.Cpu!.Target, 200, 300);

        var runaway = (await harness.Store.GetAsync(new WorkloadRef(HostileCluster.Namespace, "DaemonSet", "runaway"), CancellationToken.None))!;
        Assert.InRange(runaway.Containers["agent"].Cpu!.Target, 100, 200);

        // More than a node can give a pod is recommended as what the largest node can give, and the profile says how much that is.
        var greedy = (await harness.Store.GetAsync(new WorkloadRef(HostileCluster.Namespace, "Deployment", "greedy"), CancellationToken.None))!;
        Assert.Equal(7500, greedy.Containers["app"].Cpu!.Target);
        Assert.Equal(7500, greedy.Containers["app"].Cpu!.UpperBound);
        Assert.InRange(greedy.Containers["app"].Memory!.Target, 20 * Gi, 30 * Gi);
        Assert.Equal(new Profiles.NodeSize(7500, 30 * Gi), greedy.LargestNode);

        foreach (var workload in await harness.Store.ListAsync(null, CancellationToken.None))
        {
            var profile = (await harness.Store.GetAsync(workload, CancellationToken.None))!;
            foreach (var resource in profile.Containers.Values.SelectMany(c => new[] { c.Cpu, c.Memory }).OfType<Profiles.ResourceProfile>())
            {
                Assert.True(resource.LowerBound > 0 && resource.LowerBound <= resource.Target && resource.Target <= resource.UpperBound, $"{workload}: {resource}");
            }
        }
    }
}
