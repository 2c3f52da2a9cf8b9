using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Resorcerer.Bench;
using Resorcerer.Configuration;
using Resorcerer.DevKit;
using Resorcerer.Profiler;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiler.Workloads;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using StackExchange.Redis;

// Profiler at cluster scale: one run per workload count (see bench/profiler-scale.sh and docs/benchmarks.md).
// Usage: profiler-scale WORKLOADS HISTORY_MINUTES [naive]
var workloads = int.Parse(args[0], CultureInfo.InvariantCulture);
var historyMinutes = int.Parse(args[1], CultureInfo.InvariantCulture);
var naive = args.Length > 2 && args[2] == "naive";

var end = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds() / 60 * 60;
var start = end - historyMinutes * 60L;
var work = Directory.CreateTempSubdirectory("resorcerer-scale-").FullName;
try
{
    var clock = Stopwatch.StartNew();
    var (series, containers, namespaces) = SyntheticCluster.Build(workloads, start, end);
    var input = await series.WriteOpenMetricsFileAsync(Path.Combine(work, "series.om"));
    Console.WriteLine($"workloads {workloads}: {series.Pods.Count} pods, {containers} workload containers, {namespaces.Count} namespaces, " +
                      $"{historyMinutes} min of data; OpenMetrics {new FileInfo(input).Length / 1e6:0} MB written in {clock.Elapsed.TotalSeconds:0} s");
    clock.Restart();
    await using var prometheus = await PrometheusServer.StartAsync(input, Path.Combine(work, "prometheus"));
    File.Delete(input);
    Console.WriteLine($"  loaded into Prometheus in {clock.Elapsed.TotalSeconds:0} s");
    await using var redis = await RedisServer.StartAsync();

    var options = Microsoft.Extensions.Options.Options.Create(new ProfilerOptions
    {
        PrometheusUrl = prometheus.Url.ToString(),
        Redis = redis.Configuration,
        Namespaces = string.Join(',', namespaces),
        History = Duration.FromMinutes(historyMinutes),
        MinHistory = Duration.FromMinutes(10),
        MinSamples = 10,
        PrometheusTimeout = Duration.FromMinutes(5),
    });
    var http = new HttpClient { BaseAddress = prometheus.Url, Timeout = TimeSpan.FromMinutes(5) };
    var metrics = new ProfilerMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry()));
    var prometheusClient = new PrometheusClient(http, metrics.RecordQuery);
    var source = new PrometheusUsageSource(prometheusClient, options);
    // The synthetic clusters have no mesh: these queries find nothing, but they are sent every cycle as in a cluster.
    var mesh = new PrometheusConnectionSource(prometheusClient);
    var connection = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(redis.Configuration));
    var checkpoints = RedisCheckpointStore.Create(connection, options);
    var time = new MovableTime(DateTimeOffset.FromUnixTimeSeconds(end - 15 * 60));

    var (reports, withState, tracked, collected) = RunCycles(() => new ProfilingCycle(new ConfiguredNamespaces(options), new NoWorkloadCatalog(), source, mesh,
        new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance), checkpoints, StrategyCatalog.Default, time, options, metrics,
        NullLogger<ProfilingCycle>.Instance), time, end);
    Report("first start (backfill)", reports[0]);
    foreach (var report in reports.Skip(1))
    {
        Report("incremental (5 min of new data)", report);
    }

    // The learned state is what a cycle keeps between runs: the heap with the cycle and its state, minus without.
    var resident = withState - GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"  resident state: {resident / 1e6:0.0} MB for {tracked} tracked containers = " +
                      $"{resident / (double)tracked:0} bytes per container (managed heap with the cycle's state minus without it{(collected() ? "" : "; WARNING: the cycle was not collected")})");
    Console.WriteLine($"  peak RSS of this process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1e6:0} MB");

    if (naive)
    {
        // KRR's way: per workload and container, one query per resource over the whole history.
        var client = new PrometheusClient(http);
        var targets = series.Pods.SelectMany(p => p.Containers.Select(c => (p.Namespace, Workload: p.OwnerName.Split('-')[0] + "-" + p.OwnerName.Split('-')[1], c.Name)))
            .Distinct().ToList();
        clock.Restart();
        var window = $"{historyMinutes}m";
        using var gate = new SemaphoreSlim(10);
        await Task.WhenAll(targets.Select(async target =>
        {
            await gate.WaitAsync();
            try
            {
                var selector = $"namespace=\"{target.Namespace}\",pod=~\"{target.Workload}-.*\",container=\"{target.Name}\"";
                var at = DateTimeOffset.FromUnixTimeSeconds(end);
                await client.QueryAsync($"max(quantile_over_time(0.95, rate(container_cpu_usage_seconds_total{{{selector}}}[5m])[{window}:1m]))", at, CancellationToken.None);
                await client.QueryAsync($"max(max_over_time(container_memory_working_set_bytes{{{selector}}}[{window}]))", at, CancellationToken.None);
            }
            finally
            {
                gate.Release();
            }
        }));
        Console.WriteLine($"  naive (one query per workload, container and resource, 10 at a time): {clock.Elapsed.TotalSeconds:0.00} s, {client.QueriesSent} queries");
    }

    await connection.DisposeAsync();
}
finally
{
    Directory.Delete(work, recursive: true);
}

// Synchronous on purpose: when it returns, nothing refers to the cycle any more, so its state can be measured by difference.
static (List<CycleReport> Reports, long WithState, int Tracked, Func<bool> Collected) RunCycles(Func<ProfilingCycle> make, MovableTime time, long end)
{
    var cycle = make();
    var reports = new List<CycleReport> { cycle.RunAsync(CancellationToken.None).GetAwaiter().GetResult() };
    for (var i = 2; i >= 0; i--)
    {
        time.Now = DateTimeOffset.FromUnixTimeSeconds(end - i * 5 * 60);
        reports.Add(cycle.RunAsync(CancellationToken.None).GetAwaiter().GetResult());
    }

    var withState = GC.GetTotalMemory(forceFullCollection: true);
    var reference = new WeakReference(cycle);
    return (reports, withState, cycle.TrackedContainers, () => !reference.IsAlive);
}

static void Report(string what, CycleReport report) =>
    Console.WriteLine($"  {what}: {report.Duration.TotalSeconds:0.00} s, {report.Queries} queries, {report.SamplesRead:N0} samples, " +
                      $"{report.Written.Count} profiles written (read {report.Phases.Read.TotalSeconds:0.00} s, fold {report.Phases.Fold.TotalSeconds:0.00} s, " +
                      $"write {report.Phases.Write.TotalSeconds:0.00} s)");

internal sealed class MovableTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
