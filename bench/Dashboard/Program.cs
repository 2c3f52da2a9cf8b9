using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;
using Resorcerer.DevKit;
using Resorcerer.Profiler;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

// The dashboard at scale (see bench/dashboard.sh and docs/benchmarks.md): WORKLOADS profiles in Redis, their running
// pods' requests, owners and an hour of usage in Prometheus, the profiler serving the dashboard; page times over
// HTTP and in Debian's Chromium. Usage: dashboard-load [WORKLOADS, 5000] [REPEATS, 20]
var workloads = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
var repeats = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
const long Mi = 1024 * 1024;

var end = DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds() / 60 * 60;
var start = end - 3600;
var work = Directory.CreateTempSubdirectory("resorcerer-dashboard-").FullName;
try
{
    // Workloads in namespaces of 100, two running pods each, one container; requests above use for two in three.
    var clock = Stopwatch.StartNew();
    var series = new ClusterSeries(TimeSpan.FromMinutes(1)) { IncludePodLevelSeries = false };
    var profiles = new List<WorkloadProfile>();
    var random = new Random(42);
    for (var w = 0; w < workloads; w++)
    {
        var ns = $"team-{w / 100:D3}";
        var name = $"app-{w:D5}";
        var rs = $"{name}-{w % 1000:D3}7f9c";
        var cpu = 0.02 + random.NextDouble() * 0.8;
        var memory = (64 + random.NextDouble() * 1000) * Mi;
        var request = w % 3 == 2 ? 0.8 : 1.6;
        series.Add(new ReplicaSetSeries(ns, rs, "Deployment", name, start, end));
        foreach (var suffix in new[] { "a1b2c", "d3e4f" })
        {
            var pod = $"{rs}-{suffix}";
            var phase = w * 7 + suffix[0];
            series.Add(new PodSeries(ns, pod, "ReplicaSet", rs, start, end,
                [new ContainerUsageSeries("app", t => cpu * (1 + 0.3 * Math.Sin((t + phase) / 600.0)), t => memory * (1 + 0.05 * Math.Sin((t + phase) / 900.0)))]));
            KeyValuePair<string, string>[] labels = [new("namespace", ns), new("pod", pod), new("container", "app")];
            series.Add(new GaugeSeries("kube_pod_container_resource_requests", [.. labels, new("resource", "cpu"), new("unit", "core")], start, end, _ => Math.Round(cpu * request, 1) + 0.1));
            series.Add(new GaugeSeries("kube_pod_container_resource_requests", [.. labels, new("resource", "memory"), new("unit", "byte")], start, end, _ => Math.Round(memory * request / Mi) * Mi));
            series.Add(new GaugeSeries("kube_pod_status_phase", [new("namespace", ns), new("pod", pod), new("phase", "Running")], start, end, _ => 1));
        }

        var seen = new UsageSummary((long)(cpu * 1000), (long)(cpu * 1200), (long)(cpu * 1250), (long)(cpu * 1290), (long)(cpu * 1300), 120,
            DateTimeOffset.FromUnixTimeSeconds(start), DateTimeOffset.FromUnixTimeSeconds(end));
        var memorySeen = seen with { P50 = (long)memory, P90 = (long)(memory * 1.04), P95 = (long)(memory * 1.045), P99 = (long)(memory * 1.05), Max = (long)(memory * 1.05) };
        profiles.Add(new WorkloadProfile
        {
            Workload = new WorkloadRef(ns, "Deployment", name),
            UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(end),
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile>
            {
                ["app"] = new(new ResourceProfile((long)(cpu * 1300), (long)(cpu * 1000), (long)(cpu * 1600), seen),
                    new ResourceProfile((long)Math.Ceiling(memory * 1.2 / Mi) * Mi, (long)memory, (long)(memory * 1.5), memorySeen)),
            },
        });
    }

    var input = await series.WriteOpenMetricsFileAsync(Path.Combine(work, "series.om"));
    await using var prometheus = await PrometheusServer.StartAsync(input, Path.Combine(work, "prometheus"));
    File.Delete(input);
    await using var redis = await RedisServer.StartAsync();
    await using (var connection = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(redis.Configuration)))
    {
        var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
        foreach (var chunk in profiles.Chunk(100))
        {
            await Task.WhenAll(chunk.Select(p => store.PutAsync(p, CancellationToken.None)));
        }
    }

    Console.WriteLine($"{workloads} workloads ({series.Pods.Count} pods) in {profiles.Select(p => p.Workload.Namespace).Distinct().Count()} namespaces: " +
                      $"Prometheus and Redis ready in {clock.Elapsed.TotalSeconds:0} s");

    await using var profiler = ProfilerProgram.Build(
        ["--redis", redis.Configuration, "--prometheus-url", prometheus.Url.ToString(), "--namespaces", "none",
         "--urls", "http://127.0.0.1:0", "--watcher-urls", "", "--interval", "1h", "--dashboard-cache", "30s"], out var code)
        ?? throw new InvalidOperationException($"the profiler did not start ({code})");
    await profiler.StartAsync();
    var url = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>(profiler.Services).Features.Get<IServerAddressesFeature>()!.Addresses.First();
    using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
    await http.GetStringAsync("/healthz");

    // Cold: the first page reads every profile and the running requests; warm pages reuse that report.
    clock.Restart();
    var first = await http.GetStringAsync("/");
    Console.WriteLine($"GET / cold (reads {workloads} profiles, the requests and owners): {clock.Elapsed.TotalMilliseconds:0} ms, {first.Length:N0} bytes, " +
                      $"{first.Split("<tr data-workload=").Length - 1} rows a page");
    var workload = $"/workloads/team-{workloads / 200:D3}/Deployment/app-{workloads / 2:D5}";
    foreach (var (label, path) in new[]
    {
        ("GET / (warm: first page, by savings)", "/"),
        ("GET /?sort=workload&dir=asc&page=50", "/?sort=workload&dir=asc&page=50"),
        ("GET /?q=app-04 (filter)", "/?q=app-04"),
        ("GET /?namespace=team-007&status=waste", "/?namespace=team-007&status=waste"),
        ($"GET {workload} (profile, 1 h of usage plotted)", workload),
    })
    {
        var times = new List<double>();
        var bytes = 0;
        for (var i = 0; i < repeats; i++)
        {
            var one = Stopwatch.StartNew();
            bytes = (await http.GetStringAsync(path)).Length;
            times.Add(one.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        Console.WriteLine($"{label}: p50 {times[times.Count / 2]:0.0} ms, max {times[^1]:0.0} ms, {bytes:N0} bytes ({repeats} requests)");
    }

    // In the browser: navigation timing of each page, loaded as a user loads it.
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = "/usr/bin/chromium", Args = ["--no-sandbox", "--disable-gpu"] });
    var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
    foreach (var (label, path) in new[] { ("/ in Chromium", "/"), ("/?sort=workload&page=50 in Chromium", "/?sort=workload&dir=asc&page=50"), ($"{workload} in Chromium", workload) })
    {
        var loads = new List<double>();
        var responses = new List<double>();
        for (var i = 0; i < Math.Max(5, repeats / 4); i++)
        {
            await page.GotoAsync(url + path, new() { WaitUntil = WaitUntilState.Load });
            loads.Add(await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].loadEventEnd"));
            responses.Add(await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].responseEnd"));
        }

        loads.Sort();
        responses.Sort();
        Console.WriteLine($"{label}: HTML received p50 {responses[responses.Count / 2]:0} ms, load event p50 {loads[loads.Count / 2]:0} ms (max {loads[^1]:0}) after navigation start");
    }

    await profiler.StopAsync();
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}
