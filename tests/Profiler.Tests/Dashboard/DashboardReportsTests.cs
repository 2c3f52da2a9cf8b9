using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Resorcerer.Profiler.Dashboard;
using Resorcerer.Profiler.Report;
using Resorcerer.Profiler.Tests.Profiling;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Dashboard;

/// <summary>The dashboard's report: read once, reused, read again in the background once old; against the real servers.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardReportsTests(ClusterFixture cluster)
{
    private static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The dashboard's report over a store and a Prometheus client, counting into <paramref name="registry"/>.</summary>
    private static DashboardReports Reports(ProfilerHarness harness, RedisProfileStore store, PrometheusClient client, TimeProvider time, CollectorRegistry registry) =>
        new(store, store, new RunningResources(client), new Resorcerer.Profiler.Prometheus.PrometheusUsageSource(client, harness.Options), time,
            harness.Options, new DashboardMetrics(Metrics.WithCustomRegistry(registry)), NullLogger<DashboardReports>.Instance);

    [Fact]
    public async Task The_report_is_reused_until_old_then_pages_get_the_old_one_while_a_new_one_is_read()
    {
        await using var harness = new ProfilerHarness(cluster, o => o.DashboardCache = Configuration.Duration.FromSeconds(30));
        await harness.FlushRedisAsync();
        var written = (await harness.Cycle.RunAsync(CancellationToken.None)).Written;
        using var http = new HttpClient { BaseAddress = cluster.Prometheus.Url };
        var client = new PrometheusClient(http);
        var clock = new MovableTime(cluster.End);
        var registry = Metrics.NewCustomRegistry();
        using var reports = Reports(harness, harness.Store, client, clock, registry);
        var db = new WorkloadRef("shop", "StatefulSet", "db");

        var (first, at, problem) = await reports.ReadAsync(CancellationToken.None);
        Assert.Null(problem);
        Assert.Equal(cluster.End, at);
        Assert.Contains(first!, l => l.Workload == db);
        var queries = client.QueriesSent;

        // db's profile goes away; within 30 s the page shows what was read, and reads nothing.
        await harness.Store.DeleteAsync(db, CancellationToken.None);
        clock.Now = cluster.End.AddSeconds(29);
        Assert.Same(first, (await reports.ReadAsync(CancellationToken.None)).Lines);
        Assert.Equal(queries, client.QueriesSent);

        // Older than that: this page still gets the old report at once, and a new one is read behind it.
        clock.Now = cluster.End.AddSeconds(31);
        var (stale, staleAt, _) = await reports.ReadAsync(CancellationToken.None);
        Assert.Same(first, stale);
        Assert.Equal(cluster.End, staleAt);
        await Eventually.HoldsAsync(async () => (await reports.ReadAsync(CancellationToken.None)).Lines!.All(l => l.Workload != db), "the report read again without db");
        Assert.Equal(clock.Now, (await reports.ReadAsync(CancellationToken.None)).At);
        Assert.Equal(written.Count - 1, (await reports.ReadAsync(CancellationToken.None)).Lines!.Select(l => l.Workload).Distinct().Count());
        Assert.Contains("resorcerer_dashboard_report_reads_total{result=\"ok\"} 2", await ExportAsync(registry), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_Prometheus_the_first_page_says_which_server_it_cannot_read()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        await harness.Cycle.RunAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var client = new PrometheusClient(http);
        var registry = Metrics.NewCustomRegistry();
        using var reports = Reports(harness, harness.Store, client, TimeProvider.System, registry);

        var (lines, _, problem) = await reports.ReadAsync(CancellationToken.None);

        Assert.Null(lines);
        Assert.StartsWith("the running pods' requests cannot be read from Prometheus: ", problem, StringComparison.Ordinal);
        Assert.Contains("resorcerer_dashboard_report_reads_total{result=\"prometheus\"} 1", await ExportAsync(registry), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_Redis_the_first_page_says_so()
    {
        await using var harness = new ProfilerHarness(cluster);
        var options = RedisSettings.Parse($"127.0.0.1:{DevKit.ServerProcess.FreePort()},connectTimeout=500");
        await using var gone = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(options);
        var store = new RedisProfileStore(gone, NullLogger<RedisProfileStore>.Instance);
        using var http = new HttpClient { BaseAddress = cluster.Prometheus.Url };
        var client = new PrometheusClient(http);
        var registry = Metrics.NewCustomRegistry();
        using var reports = Reports(harness, store, client, TimeProvider.System, registry);

        var (lines, _, problem) = await reports.ReadAsync(CancellationToken.None);

        Assert.Null(lines);
        Assert.StartsWith("the profiles cannot be read from Redis: ", problem, StringComparison.Ordinal);
        Assert.Contains("resorcerer_dashboard_report_reads_total{result=\"redis\"} 1", await ExportAsync(registry), StringComparison.Ordinal);
    }
}
