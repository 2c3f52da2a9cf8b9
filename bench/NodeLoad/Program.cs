using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiler;
using Resorcerer.Profiler.NodeLoad;
using Resorcerer.PrometheusApi;

// The load-watcher API at cluster scale (bench/node-load.sh): NODES nodes in a real Prometheus (a third from the
// recording rules, a third from node-exporter, a third from cAdvisor's root cgroup), the refresh of all three
// windows, and the answer's size and latency as a running profiler serves it over HTTP.
// Usage: node-load [NODES, 5000] [REPEATS, 5] [REQUESTS, 200]
var nodes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var requests = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
var work = Directory.CreateTempSubdirectory("resorcerer-node-load-").FullName;
try
{
    var end = DateTimeOffset.UtcNow.AddMinutes(-1);
    var e = end.ToUnixTimeSeconds() / 60 * 60;
    var start = e - 25 * 60; // the longest window and the counters' 5-minute rate, with room
    var series = new ClusterSeries(TimeSpan.FromMinutes(1)) { IncludePodLevelSeries = false };
    const double Gi = 1024d * 1024 * 1024;
    for (var i = 0; i < nodes; i++)
    {
        var node = $"node-{i:D5}";
        var load = 0.2 + 0.6 * (i % 97) / 97.0;
        Func<long, double> wave = t => load + 0.1 * Math.Sin(t / 300.0 + i);
        KeyValuePair<string, string>[] labels = [new("instance", node)];
        switch (i % 3)
        {
            case 0:
                series.Add(new GaugeSeries("instance:node_cpu:ratio", labels, start, e, wave));
                series.Add(new GaugeSeries("instance:node_memory_utilisation:ratio", labels, start, e, wave));
                break;
            case 1:
                series.Add(new CounterSeries("node_cpu_seconds_total", [.. labels, new("cpu", "0"), new("mode", "idle")], start, e, t => 1 - wave(t)));
                series.Add(new GaugeSeries("node_memory_MemTotal_bytes", labels, start, e, _ => 32 * Gi));
                series.Add(new GaugeSeries("node_memory_MemAvailable_bytes", labels, start, e, t => 32 * Gi * (1 - wave(t))));
                break;
            default:
                series.Add(new MachineSeries(node, start, e, t => 8 * wave(t), t => 64 * Gi * wave(t), Cores: 8, Bytes: 64 * Gi));
                break;
        }
    }

    var loading = Stopwatch.StartNew();
    var file = await series.WriteOpenMetricsFileAsync(Path.Combine(work, "nodes.om"));
    await using var prometheus = await PrometheusServer.StartAsync(file, Path.Combine(work, "prometheus"));
    await using var redis = await RedisServer.StartAsync();
    Console.WriteLine($"{nodes:N0} nodes, 25 minutes of 1-minute samples, loaded into Prometheus in {loading.Elapsed.TotalSeconds:0} s; " +
        $"machine: {Environment.ProcessorCount} cores, Prometheus and this program share them; {repeats} repeats, medians");

    // The refresh, in process, at the moment the data ends.
    var options = Microsoft.Extensions.Options.Options.Create(new ProfilerOptions { PrometheusUrl = prometheus.Url.ToString() });
    using var http = new HttpClient { BaseAddress = prometheus.Url, Timeout = TimeSpan.FromMinutes(2) };
    var client = new PrometheusClient(http);
    var watcher = new NodeLoadWatcher(client, new FixedTime(DateTimeOffset.FromUnixTimeSeconds(e + 30)), options,
        new NodeLoadMetrics(Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry())), NullLogger<NodeLoadWatcher>.Instance);
    var refreshes = new List<double>();
    for (var r = 0; r < repeats; r++)
    {
        var before = client.QueriesSent;
        var clock = Stopwatch.StartNew();
        await watcher.RefreshAsync(CancellationToken.None);
        refreshes.Add(clock.Elapsed.TotalMilliseconds);
        if (watcher.Current is not { } served || served.Window.Nodes.Count != nodes)
        {
            throw new InvalidOperationException($"the refresh gave {watcher.Current?.Window.Nodes.Count ?? 0} nodes, not {nodes}");
        }

        Console.WriteLine($"refresh {r + 1}: {clock.Elapsed.TotalMilliseconds:N0} ms, {client.QueriesSent - before} queries, sources " +
            string.Join(", ", served.NodesBySource.OrderBy(s => s.Key).Select(s => $"{s.Key} {s.Value}")));
    }

    // The answer over HTTP, from a running profiler.
    var (port, watcherPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
    var profilerDll = Path.Combine(AppContext.BaseDirectory, "resorcerer-profiler.dll");
    using var profiler = Process.Start(new ProcessStartInfo("dotnet",
        $"{profilerDll} --prometheus-url {prometheus.Url} --redis {redis.Configuration} --namespaces none --urls http://127.0.0.1:{port} --watcher-urls http://127.0.0.1:{watcherPort}")
    { RedirectStandardOutput = true, RedirectStandardError = true })!;
    profiler.OutputDataReceived += (_, _) => { };
    profiler.ErrorDataReceived += (_, _) => { };
    profiler.BeginOutputReadLine();
    profiler.BeginErrorReadLine();
    try
    {
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{watcherPort}"), Timeout = TimeSpan.FromMinutes(1) };
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            try
            {
                if ((await api.GetAsync("/watcher/health")).IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the profiler's watcher never answered");
            }

            await Task.Delay(200);
        }

        async Task<(double P50, double P99, long Bytes)> TimeAsync(Func<int, string> path)
        {
            var times = new List<double>();
            long bytes = 0;
            for (var i = 0; i < requests + 20; i++)
            {
                var clock = Stopwatch.StartNew();
                var body = await api.GetByteArrayAsync(path(i));
                if (i >= 20)
                {
                    times.Add(clock.Elapsed.TotalMilliseconds);
                }

                bytes = body.Length;
            }

            times.Sort();
            return (times[times.Count / 2], times[(int)Math.Ceiling(times.Count * 0.99) - 1], bytes);
        }

        var all = await TimeAsync(_ => "/watcher");
        var one = await TimeAsync(i => $"/watcher?host=node-{i * 37 % nodes:D5}");
        refreshes.Sort();
        Console.WriteLine();
        Console.WriteLine("| measure | value |");
        Console.WriteLine("|---|---|");
        Console.WriteLine($"| refresh of the three windows (18 queries), median | {refreshes[refreshes.Count / 2]:N0} ms |");
        Console.WriteLine($"| GET /watcher (all {nodes:N0} nodes): size | {all.Bytes:N0} bytes |");
        Console.WriteLine($"| GET /watcher: latency p50 / p99 ({requests} requests, one at a time) | {all.P50:0.00} / {all.P99:0.00} ms |");
        Console.WriteLine($"| GET /watcher?host=NODE: size | {one.Bytes:N0} bytes |");
        Console.WriteLine($"| GET /watcher?host=NODE: latency p50 / p99 | {one.P50:0.00} / {one.P99:0.00} ms |");
    }
    finally
    {
        profiler.Kill(entireProcessTree: true);
        await profiler.WaitForExitAsync();
    }
}
finally
{
    Directory.Delete(work, recursive: true);
}

internal sealed class FixedTime(DateTimeOffset at) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => at;
}
