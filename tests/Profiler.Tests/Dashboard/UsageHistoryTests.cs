using Resorcerer.Profiler.Dashboard;
using Resorcerer.Profiler.Model;
using Resorcerer.PrometheusApi;
using Resorcerer.TestSupport;
using Resorcerer.Usage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Dashboard;

/// <summary>Usage folded into hours (pure), and read for one workload from the real Prometheus holding <see cref="TestCluster"/>.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UsageHistoryTests(ClusterFixture cluster)
{
    private const long Hour = 3600;

    private static ContainerUsage Series(string pod, string container, params (long At, double Value)[] samples) =>
        new(new ContainerKey("shop", pod, container), [.. samples.Select(s => new Sample(s.At, s.Value))]);

    [Fact]
    public void Samples_of_all_pods_are_pooled_per_hour_with_nearest_rank_percentiles()
    {
        var start = 100 * Hour;
        // Hour 100: pod a has 1..10, pod b 11..20 (twenty samples); hour 101 has none; hour 102 one sample; NaN is dropped.
        var a = Series("web-a", "app", [.. Enumerable.Range(1, 10).Select(i => (start + i * 60, (double)i)), (start + 2 * Hour, 7.0), (start + 2 * Hour + 60, double.NaN)]);
        var b = Series("web-b", "app", [.. Enumerable.Range(11, 10).Select(i => (start + i * 60, (double)i))]);
        var sidecar = Series("web-a", "proxy", (start + 59 * 60, 0.5));

        var hours = UsageHistory.Hourly([a, b, sidecar]);

        Assert.Equal(["app", "proxy"], hours.Keys.Order(StringComparer.Ordinal));
        var app = hours["app"];
        Assert.Equal([DateTimeOffset.FromUnixTimeSeconds(start), DateTimeOffset.FromUnixTimeSeconds(start + 2 * Hour)], app.Select(h => h.Hour));
        // Nearest rank over 20: p50 is the 10th value, p95 the 19th.
        Assert.Equal((10.0, 19.0, 20.0, 20), (app[0].P50, app[0].P95, app[0].Max, app[0].Samples));
        Assert.Equal((7.0, 7.0, 7.0, 1), (app[1].P50, app[1].P95, app[1].Max, app[1].Samples));
        Assert.Equal(0.5, Assert.Single(hours["proxy"]).Max);
    }

    [Fact]
    public void Hours_above_a_level_count_the_hours_whose_peak_passed_it()
    {
        HourlyUsage Hour(double max) => new(DateTimeOffset.UnixEpoch, max / 2, max * 0.9, max, 12);
        IReadOnlyList<HourlyUsage> hours = [Hour(0.1), Hour(0.3), Hour(0.25), Hour(0.5)];

        Assert.Equal(2, UsageHistory.HoursAbove(hours, 0.25)); // 0.25 itself is not above
        Assert.Equal(0, UsageHistory.HoursAbove(hours, 0.5));
        Assert.Equal(4, UsageHistory.HoursAbove(hours, 0));
        Assert.Equal(0, UsageHistory.HoursAbove(hours, null));
    }

    [Fact]
    public async Task A_workloads_history_is_read_with_five_queries_and_shows_its_rollout()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        var web = (await harness.Cycle.RunAsync(CancellationToken.None)).Written.Single(p => p.Workload == new WorkloadRef("shop", "Deployment", "web"));
        using var http = new HttpClient { BaseAddress = cluster.Prometheus.Url };
        var client = new PrometheusClient(http);
        var reader = new UsageHistoryReader(new Resorcerer.Profiler.Prometheus.PrometheusUsageSource(client, harness.Options), harness.Options);

        var history = await reader.ReadAsync(web, cluster.End, CancellationToken.None);

        // Three ownership queries and one range query per resource: 7 hours of history fit in one day's chunk.
        Assert.Equal(5, client.QueriesSent);
        Assert.Equal(UsageHistoryReader.PlotStep, history.Step);
        Assert.Equal(["proxy", "web"], history.Cpu.Keys.Order(StringComparer.Ordinal));
        var cpu = history.Cpu["web"];
        var memory = history.Memory["web"];
        // The old pods ran 4 hours at 0.2 cores and 100 MiB, the new ones 3 hours at 0.4 cores and 150 MiB.
        Assert.InRange(cpu.Count, 7, 9);
        Assert.Equal(0.2, cpu[1].P50, 3);
        Assert.Equal(0.4, cpu[^2].P50, 3);
        Assert.All(cpu, h => Assert.InRange(h.Max, 0, 0.4 + 1e-6));
        Assert.Equal(100.0 * TestCluster.Mi, memory[1].P95, 0);
        Assert.Equal(150.0 * TestCluster.Mi, memory[^2].Max, 0);
        Assert.True(history.From <= web.Containers["web"].Cpu!.Observed.FirstSample, "the window covers the profile's first sample");
    }
}
