using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Resorcerer.PrometheusApi;

namespace Resorcerer.Profiler.NodeLoad;

/// <summary>An answer ready to serve: the window, its JSON for all nodes, and how many nodes each source gave.</summary>
public sealed record ServedWindow(NodeLoadWindow Window, byte[] AllNodes, IReadOnlyDictionary<string, int> NodesBySource);

/// <summary>
/// Node load for Trimaran's scheduler plugins, as the load watcher serves it: every <c>--watcher-refresh</c> (1m)
/// each window (15m, 10m, 5m) is read from Prometheus with six instant queries (CPU and memory, each AVG, STD and
/// Latest), and kept in memory. Requests are answered from memory only: <c>/watcher</c> gives the 15-minute window,
/// or the 10- or 5-minute one while the longer has never been read. A window whose refresh fails keeps its last
/// answer. It runs on every replica, leader or not.
/// </summary>
public sealed class NodeLoadWatcher(
    PrometheusClient prometheus, TimeProvider time, IOptions<ProfilerOptions> options, NodeLoadMetrics metrics, ILogger<NodeLoadWatcher> logger)
    : BackgroundService
{
    private static readonly (string Type, string Operator)[] Measures =
    [
        (LoadWatcherNames.Cpu, LoadWatcherNames.Average), (LoadWatcherNames.Memory, LoadWatcherNames.Average),
        (LoadWatcherNames.Cpu, LoadWatcherNames.Std), (LoadWatcherNames.Memory, LoadWatcherNames.Std),
        (LoadWatcherNames.Cpu, LoadWatcherNames.Latest), (LoadWatcherNames.Memory, LoadWatcherNames.Latest),
    ];

    private readonly ConcurrentDictionary<string, ServedWindow> _windows = new(StringComparer.Ordinal);
    private readonly HashSet<string> _failing = [];

    /// <summary>The last answer read for one window (15m, 10m or 5m), or null.</summary>
    public ServedWindow? Served(string window) => _windows.GetValueOrDefault(window);

    /// <summary>What <c>/watcher</c> serves now: the longest window read so far, or null before the first refresh.</summary>
    public ServedWindow? Current =>
        LoadWatcherNames.Windows.Select(w => _windows.GetValueOrDefault(w.Name)).FirstOrDefault(w => w is not null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.WatcherUrlList.Count == 0)
        {
            return; // --watcher-urls is empty: the API is off.
        }

        logger.LogInformation("Serving node load for scheduler plugins on {Urls}, refreshed every {Refresh} from Prometheus (node label '{Label}')",
            options.Value.WatcherUrls, options.Value.WatcherRefresh, options.Value.NodeLabel);
        using var timer = new PeriodicTimer(options.Value.WatcherRefresh.Value, time);
        do
        {
            await RefreshAsync(stoppingToken);
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads every window once; a window that cannot be read keeps its last answer. Never throws but for cancellation.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        // One window after the other (six queries at a time), so that a refresh never asks Prometheus for more at once.
        foreach (var (name, length) in LoadWatcherNames.Windows)
        {
            await RefreshWindowAsync(name, length, now, cancellationToken);
        }

        var current = Current;
        metrics.Serving(current?.NodesBySource ?? new Dictionary<string, int>(), current is null ? TimeSpan.Zero : now - DateTimeOffset.FromUnixTimeSeconds(current.Window.Timestamp));
    }

    private async Task RefreshWindowAsync(string name, TimeSpan length, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var label = options.Value.NodeLabel;
            var answers = await Task.WhenAll(Measures.Select(m => prometheus.QueryAsync(NodeLoadQueries.For(m.Type, m.Operator, name, label), now, cancellationToken)));
            var nodes = new SortedDictionary<string, List<NodeLoadMetric>>(StringComparer.Ordinal);
            var sources = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < Measures.Length; i++)
            {
                var (type, @operator) = Measures[i];
                foreach (var series in answers[i])
                {
                    var node = series.Label(label);
                    if (node.Length == 0 || series.Samples.Count == 0 || !double.IsFinite(series.Samples[^1].Value))
                    {
                        continue;
                    }

                    if (!nodes.TryGetValue(node, out var metricsOfNode))
                    {
                        nodes[node] = metricsOfNode = [];
                    }

                    metricsOfNode.Add(new NodeLoadMetric(
                        type == LoadWatcherNames.Cpu ? LoadWatcherNames.CpuRule : LoadWatcherNames.MemoryRule, type, @operator, name, series.Samples[^1].Value * 100));
                    if (type == LoadWatcherNames.Cpu && @operator == LoadWatcherNames.Average)
                    {
                        sources[node] = series.Label(NodeLoadSources.Label);
                    }
                }
            }

            var window = new NodeLoadWindow(name, now.ToUnixTimeSeconds() - (long)length.TotalSeconds, now.ToUnixTimeSeconds(), now.ToUnixTimeSeconds(),
                LoadWatcherNames.Prometheus, nodes.ToDictionary(n => n.Key, n => (IReadOnlyList<NodeLoadMetric>)n.Value, StringComparer.Ordinal));
            var bySource = sources.Values.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
            _windows[name] = new ServedWindow(window, WatcherJson.Write(window), bySource);
            metrics.Refreshed(name, clock.Elapsed, ok: true);
            lock (_failing)
            {
                if (_failing.Remove(name))
                {
                    logger.LogInformation("Node load for the {Window} window is read from Prometheus again ({Nodes} nodes)", name, nodes.Count);
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is PrometheusException or HttpRequestException or TimeoutException or TaskCanceledException)
        {
            metrics.Refreshed(name, clock.Elapsed, ok: false);
            lock (_failing)
            {
                if (_failing.Add(name))
                {
                    var kept = _windows.TryGetValue(name, out var last)
                        ? $"serving the answer of {DateTimeOffset.FromUnixTimeSeconds(last.Window.Timestamp).ToString("u", CultureInfo.InvariantCulture)}"
                        : "nothing to serve for it yet";
                    logger.LogWarning("Cannot read node load for the {Window} window from Prometheus ({Error}); {Kept}; retrying every {Refresh}",
                        name, e.Message, kept, options.Value.WatcherRefresh);
                }
            }
        }
    }
}
