using Resorcerer.Profiles;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.Prometheus;

/// <summary>
/// The profiler against VictoriaMetrics, on the same series as the Prometheus tests. The one difference: a series
/// that ends without a staleness marker (as in blocks made by promtool) is still answered by Prometheus for its
/// 5-minute lookback, so Prometheus counts a few memory samples after a pod's end that VictoriaMetrics does not. A
/// live Prometheus writes staleness markers when a pod goes, and then agrees. The recommendations are the same.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class VictoriaMetricsTests(ClusterFixture cluster, Xunit.Abstractions.ITestOutputHelper output)
{
    private static string Describe(WorkloadProfile profile, bool memorySamples = true) => string.Join("; ", profile.Containers.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
        $"{profile.Workload}/{c.Key} cpu {c.Value.Cpu?.Target} [{c.Value.Cpu?.LowerBound}-{c.Value.Cpu?.UpperBound}] n={c.Value.Cpu?.Observed.Samples} max={c.Value.Cpu?.Observed.Max} " +
        $"mem {c.Value.Memory?.Target} [{c.Value.Memory?.LowerBound}-{c.Value.Memory?.UpperBound}]{(memorySamples ? $" n={c.Value.Memory?.Observed.Samples}" : "")} max={c.Value.Memory?.Observed.Max}"));

    [Theory]
    [InlineData("resorcerer")]
    [InlineData("krr")]
    public async Task A_cycle_against_victoria_metrics_gives_the_profiles_prometheus_gives(string strategy)
    {
        await using var victoria = await VictoriaMetricsServer.StartAsync(TestCluster.Build(cluster.End));
        await using var fromPrometheus = new ProfilerHarness(cluster, o => o.Strategy = strategy);
        await fromPrometheus.FlushRedisAsync();
        var expected = await fromPrometheus.Cycle.RunAsync(CancellationToken.None);
        await using var fromVictoria = new ProfilerHarness(victoria, cluster.Redis, TestCluster.Namespace, o => o.Strategy = strategy);
        await fromVictoria.FlushRedisAsync();

        var actual = await fromVictoria.Cycle.RunAsync(CancellationToken.None);

        foreach (var profile in expected.Written)
        {
            output.WriteLine("prometheus " + Describe(profile));
        }

        foreach (var profile in actual.Written)
        {
            output.WriteLine("victoria   " + Describe(profile));
        }

        Assert.Equal(expected.Written.Select(p => Describe(p, memorySamples: false)), actual.Written.Select(p => Describe(p, memorySamples: false)));

        // Memory samples: Prometheus's lookback adds at most 5 one-minute steps after each pod that ended early.
        var series = TestCluster.Build(cluster.End);
        var end = cluster.End.ToUnixTimeSeconds() / 60 * 60;
        foreach (var (want, got) in expected.Written.Zip(actual.Written))
        {
            var ended = series.Pods.Count(p => p.End < end && p.Pod.StartsWith(want.Workload.Name + "-", StringComparison.Ordinal));
            foreach (var (container, profile) in want.Containers)
            {
                var gap = profile.Memory!.Observed.Samples - got.Containers[container].Memory!.Observed.Samples;
                Assert.InRange(gap, 0, 5 * ended);
            }
        }
        Assert.Equal((expected.OomKills, expected.UnownedContainers), (actual.OomKills, actual.UnownedContainers));
        Assert.Equal(expected.KeptForThinData, actual.KeptForThinData);
    }
}
