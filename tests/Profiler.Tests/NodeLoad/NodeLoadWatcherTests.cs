using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Resorcerer.Profiler.NodeLoad;
using Resorcerer.Profiler.Tests.Profiling;
using Resorcerer.PrometheusApi;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.NodeLoad;

/// <summary>The node load read from a real Prometheus holding <see cref="NodeCluster"/>, checked against hand-computed numbers.</summary>
public sealed class NodeLoadWatcherTests(NodeLoadFixture fixture) : IClassFixture<NodeLoadFixture>
{
    // (node, window) -> CPU AVG, STD, Latest and memory AVG, STD, Latest, in percent, worked out from NodeCluster's levels.
    // node-a 15m: CPU 30, 20, 10 -> mean 20, population deviation sqrt((10^2 x 5 + 0 + 10^2 x 5) / 15) = 8.16497; memory
    // 50, 50, 80 -> 60 and sqrt((10^2 x 10 + 20^2 x 5) / 15) = 14.14214. node-b 15m memory 50, 75, 25 -> 50 and
    // sqrt((25^2 x 10) / 15) = 20.41241; 10m 50, 75 -> 62.5 and 12.5. node-c memory 25, 50, 75, as node-b's mirrored.
    public static TheoryData<string, string, double[]> Expected => new()
    {
        { "node-a", "15m", [20, 8.16497, 30, 60, 14.14214, 50] },
        { "node-a", "10m", [25, 5, 30, 50, 0, 50] },
        { "node-a", "5m", [30, 0, 30, 50, 0, 50] },
        { "node-b", "15m", [40, 0, 40, 50, 20.41241, 50] },
        { "node-b", "10m", [40, 0, 40, 62.5, 12.5, 50] },
        { "node-b", "5m", [40, 0, 40, 50, 0, 50] },
        { "node-c", "15m", [25, 0, 25, 50, 20.41241, 25] },
        { "node-c", "10m", [25, 0, 25, 37.5, 12.5, 25] },
        { "node-c", "5m", [25, 0, 25, 25, 0, 25] },
        { "node-d", "15m", [90, 0, 90, 70, 0, 70] },
        { "node-d", "5m", [90, 0, 90, 70, 0, 70] },
    };

    /// <summary>Half a minute after the last sample: every window holds whole minutes of samples, whichever end Prometheus includes.</summary>
    private DateTimeOffset QueryTime => DateTimeOffset.FromUnixTimeSeconds(NodeCluster.EndOf(fixture.End) + 30);

    private (NodeLoadWatcher Watcher, CollectorRegistry Registry, MovableTime Clock) NewWatcher(Uri prometheus, Action<ProfilerOptions>? configure = null)
    {
        var options = new ProfilerOptions { PrometheusUrl = prometheus.ToString() };
        configure?.Invoke(options);
        var registry = Metrics.NewCustomRegistry();
        var clock = new MovableTime(QueryTime);
        var http = new HttpClient { BaseAddress = prometheus, Timeout = TimeSpan.FromSeconds(30) };
        var watcher = new NodeLoadWatcher(new PrometheusClient(http), clock, Microsoft.Extensions.Options.Options.Create(options),
            new NodeLoadMetrics(Metrics.WithCustomRegistry(registry)), NullLogger<NodeLoadWatcher>.Instance);
        return (watcher, registry, clock);
    }

    private static async Task<string> MetricsTextAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Theory]
    [MemberData(nameof(Expected))]
    public async Task Each_window_gives_the_hand_computed_average_deviation_and_latest_from_each_source(string node, string window, double[] expected)
    {
        var (watcher, _, _) = NewWatcher(fixture.Prometheus.Url);

        await watcher.RefreshAsync(CancellationToken.None);

        var metrics = watcher.Served(window)!.Window.Nodes[node];
        string[] order = ["CPU AVG", "Memory AVG", "CPU STD", "Memory STD", "CPU Latest", "Memory Latest"];
        Assert.Equal(order, metrics.Select(m => $"{m.Type} {m.Operator}"));
        double Of(string type, string op) => metrics.Single(m => m.Type == type && m.Operator == op).Value;
        var actual = new[]
        {
            Of("CPU", "AVG"), Of("CPU", "STD"), Of("CPU", "Latest"), Of("Memory", "AVG"), Of("Memory", "STD"), Of("Memory", "Latest"),
        };
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"{node} {window} value {i}: expected {expected[i]}, got {actual[i]}");
        }

        Assert.All(metrics, m => Assert.Equal(window, m.Rollup));
        Assert.All(metrics, m => Assert.Equal(m.Type == "CPU" ? "instance:node_cpu:ratio" : "instance:node_memory_utilisation:ratio", m.Name));
    }

    [Fact]
    public async Task The_answer_decodes_strictly_into_the_load_watchers_types_in_its_field_order()
    {
        var (watcher, registry, _) = NewWatcher(fixture.Prometheus.Url);
        await watcher.RefreshAsync(CancellationToken.None);

        var served = watcher.Current!;
        var json = Encoding.UTF8.GetString(served.AllNodes);
        var decoded = LoadWatcherDecoder.Decode(json);

        Assert.Equal("15m", decoded.Window.Duration);
        Assert.Equal((QueryTime.ToUnixTimeSeconds() - 900, QueryTime.ToUnixTimeSeconds(), QueryTime.ToUnixTimeSeconds()),
            (decoded.Window.Start, decoded.Window.End, decoded.Timestamp));
        Assert.Equal("Prometheus", decoded.Source);
        Assert.Equal(["node-a", "node-b", "node-c", "node-d"], decoded.Data.NodeMetricsMap.Keys.Order());
        Assert.All(decoded.Data.NodeMetricsMap.Values, n => Assert.Equal(string.Empty, n.Metadata.DataCenter));
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(["timestamp", "window", "source", "data"], LoadWatcherDecoder.FieldOrder(root));
        Assert.Equal(["duration", "start", "end"], LoadWatcherDecoder.FieldOrder(root.GetProperty("window")));
        var node = root.GetProperty("data").GetProperty("NodeMetricsMap").GetProperty("node-a");
        Assert.Equal(["metrics", "tags", "metadata"], LoadWatcherDecoder.FieldOrder(node));
        Assert.Equal(["name", "type", "operator", "rollup", "value"], LoadWatcherDecoder.FieldOrder(node.GetProperty("metrics")[0]));
        Assert.Equal("{}", node.GetProperty("tags").GetRawText());

        // The strict decoder does fail on what the load watcher would not write.
        Assert.ThrowsAny<JsonException>(() => LoadWatcherDecoder.Decode(json.Replace("\"source\"", "\"origin\"", StringComparison.Ordinal)));
        Assert.ThrowsAny<JsonException>(() => LoadWatcherDecoder.Decode(json.Replace("\"rollup\":\"15m\",", string.Empty, StringComparison.Ordinal)));

        var text = await MetricsTextAsync(registry);
        Assert.Contains("resorcerer_watcher_nodes{source=\"rules\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("resorcerer_watcher_nodes{source=\"node-exporter\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("resorcerer_watcher_nodes{source=\"cadvisor\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_host_is_answered_alone()
    {
        var (watcher, _, _) = NewWatcher(fixture.Prometheus.Url);
        await watcher.RefreshAsync(CancellationToken.None);

        var decoded = LoadWatcherDecoder.Decode(Encoding.UTF8.GetString(WatcherJson.Write(watcher.Current!.Window, "node-c")));

        Assert.Equal(["node-c"], decoded.Data.NodeMetricsMap.Keys);
        Assert.Equal(6, decoded.Data.NodeMetricsMap["node-c"].Metrics.Count);
    }

    [Fact]
    public async Task The_node_label_is_a_setting()
    {
        // Only the kubelet's cAdvisor series carry a 'node' label.
        var (watcher, _, _) = NewWatcher(fixture.Prometheus.Url, o => o.NodeLabel = "node");

        await watcher.RefreshAsync(CancellationToken.None);

        Assert.Equal(["node-c"], watcher.Current!.Window.Nodes.Keys);
    }

    [Fact]
    public async Task With_prometheus_gone_after_a_good_refresh_the_last_answer_is_served_and_its_age_grows()
    {
        var own = await TestServers.StartPrometheusAsync(NodeCluster.Build(fixture.End));
        var stopped = false;
        try
        {
            var (watcher, registry, clock) = NewWatcher(own.Url);
            await watcher.RefreshAsync(CancellationToken.None);
            var first = watcher.Current!;

            await own.DisposeAsync();
            stopped = true;
            clock.Now += TimeSpan.FromMinutes(3);
            await watcher.RefreshAsync(CancellationToken.None);

            Assert.Same(first, watcher.Current);
            var text = await MetricsTextAsync(registry);
            Assert.Contains("resorcerer_watcher_answer_age_seconds 180", text, StringComparison.Ordinal);
            Assert.Contains("resorcerer_watcher_refresh_failures_total{window=\"15m\"} 1", text, StringComparison.Ordinal);
        }
        finally
        {
            if (!stopped)
            {
                await own.DisposeAsync();
            }
        }
    }

    [Fact]
    public void Before_any_refresh_there_is_nothing_to_serve()
    {
        var (watcher, _, _) = NewWatcher(new Uri("http://127.0.0.1:9/"));

        Assert.Null(watcher.Current);
    }

    [Fact]
    public void Each_query_asks_the_sources_in_order_and_joins_them_on_the_node_label()
    {
        var query = NodeLoadQueries.For("CPU", "AVG", "15m", "instance");

        var rules = query.IndexOf("avg_over_time(instance:node_cpu:ratio[15m])", StringComparison.Ordinal);
        var exporter = query.IndexOf("node_cpu_seconds_total{mode=\"idle\"}[5m]", StringComparison.Ordinal);
        var cadvisor = query.IndexOf("container_cpu_usage_seconds_total{id=\"/\"}[5m]", StringComparison.Ordinal);
        Assert.True(rules >= 0 && rules < exporter && exporter < cadvisor, query);
        Assert.Equal(2, query.Split(" or on (instance) ").Length - 1);
        Assert.Contains("[15m:1m]", query, StringComparison.Ordinal);
        Assert.False(NodeLoadQueries.IsLabelName("9node"));
        Assert.True(NodeLoadQueries.IsLabelName("kubernetes_node"));
    }
}
