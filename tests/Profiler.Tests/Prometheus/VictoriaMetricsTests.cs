using Resorcerer.Profiles;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.Prometheus;

/// <summary>
/// The profiler against VictoriaMetrics, on the same series as the Prometheus tests. What differs is at a
/// series' edges, where a pod ends: Prometheus answers a series that ends without a staleness marker (as in
/// blocks made by promtool) for its 5-minute lookback, so it counts a few memory samples after the pod's end
/// that VictoriaMetrics does not, and its rate() extrapolates to the window's edges where VictoriaMetrics'
/// does not, so the CPU of those few minutes differs a little. Every recommended request, maximum and CPU
/// sample count is the same; a workload without a pod that ended early gets the same bounds too. Where a pod
/// ended early (a rollout), a bound that sits on a percentile between the old and the new level can tip.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class VictoriaMetricsTests(ClusterFixture cluster, Xunit.Abstractions.ITestOutputHelper output)
{
    private static string Describe(WorkloadProfile profile, bool edges = true) => string.Join("; ", profile.Containers.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c =>
        $"{profile.Workload}/{c.Key} cpu {c.Value.Cpu?.Target}{(edges ? $" [{c.Value.Cpu?.LowerBound}-{c.Value.Cpu?.UpperBound}]" : "")} n={c.Value.Cpu?.Observed.Samples} max={c.Value.Cpu?.Observed.Max} " +
        $"mem {c.Value.Memory?.Target}{(edges ? $" [{c.Value.Memory?.LowerBound}-{c.Value.Memory?.UpperBound}] n={c.Value.Memory?.Observed.Samples}" : "")} max={c.Value.Memory?.Observed.Max}"));

    [Theory]
    [InlineData("resorcerer")]
    [InlineData("krr")]
    public async Task A_cycle_against_victoria_metrics_gives_the_profiles_prometheus_gives(string strategy)
    {
        await using var victoria = await VictoriaMetricsServer.StartAsync(TestCluster.Build(cluster.End));
        await using var fromPrometheus = new ProfilerHarness(cluster, o => o.Strategy = strategy);
        await fromPrometheus.FlushRedisAsync();
        // One clock for both cycles (a cycle's window and its hour of the day follow it), set so that the window
        // ends where the series end: past their end Prometheus would answer every series for its lookback.
        var at = cluster.End + new ProfilerOptions().Lag.Value;
        var expected = await fromPrometheus.NewCycle(clock: new Profiling.MovableTime(at)).RunAsync(CancellationToken.None);
        await using var fromVictoria = new ProfilerHarness(victoria, cluster.Redis, TestCluster.Namespace, o => o.Strategy = strategy);
        await fromVictoria.FlushRedisAsync();

        var actual = await fromVictoria.NewCycle(clock: new Profiling.MovableTime(at)).RunAsync(CancellationToken.None);

        foreach (var (source, report) in new[] { ("prometheus", expected), ("victoria  ", actual) })
        {
            foreach (var profile in report.Written)
            {
                output.WriteLine($"{source} {Describe(profile)}");
            }
        }

        Assert.Equal(expected.Written.Select(p => Describe(p, edges: false)), actual.Written.Select(p => Describe(p, edges: false)));
        var series = TestCluster.Build(cluster.End);
        var end = cluster.End.ToUnixTimeSeconds() / 60 * 60;
        foreach (var (want, got) in expected.Written.Zip(actual.Written))
        {
            var ended = series.Pods.Count(p => p.End < end && p.Pod.StartsWith(want.Workload.Name + "-", StringComparison.Ordinal));
            if (ended == 0)
            {
                Assert.Equal(Describe(want), Describe(got));
                continue;
            }

            foreach (var (container, profile) in want.Containers)
            {
                // Prometheus's lookback adds at most 5 one-minute steps after each pod that ended early.
                var gap = profile.Memory!.Observed.Samples - got.Containers[container].Memory!.Observed.Samples;
                Assert.InRange(gap, 0, 5 * ended);
                var cpu = got.Containers[container].Cpu!;
                Assert.InRange(cpu.LowerBound, 0, cpu.Target);
                Assert.True(cpu.UpperBound >= cpu.Target, $"{want.Workload}/{container}: upper bound {cpu.UpperBound} under the target {cpu.Target}");
            }
        }

        Assert.Equal((expected.OomKills, expected.UnownedContainers), (actual.OomKills, actual.UnownedContainers));
        Assert.Equal(expected.KeptForThinData, actual.KeptForThinData);
    }
}
