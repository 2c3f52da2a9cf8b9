using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

// The webhook under load against a bare Kestrel HTTPS endpoint on the same machine, in one run (bench/webhook-load.sh).
// Usage: webhook-load [SECONDS] [ROUNDS]   runs everything and prints the results
//        webhook-load bare PORT CERT KEY ANSWER   (internal) the bare endpoint: answers every POST with the ANSWER file's bytes
// Each protocol is measured in ROUNDS rounds that alternate the two servers (bare first, then webhook first), so
// that a slower or faster spell of this shared machine falls on both; the summary gives medians over the rounds.
if (args.Length > 0 && args[0] == "bare")
{
    return await BareEndpoint.RunAsync(int.Parse(args[1], CultureInfo.InvariantCulture), args[2], args[3], args[4]);
}

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var work = Directory.CreateTempSubdirectory("resorcerer-webhook-load-").FullName;
try
{
    await using var redis = await RedisServer.StartAsync();
    const int Workloads = 50;
    await StoreProfilesAsync(redis.Configuration, Workloads);
    var (cert, key, _) = DevCertificates.Write(Path.Combine(work, "tls"));
    var bodies = Bodies.Write(Path.Combine(work, "bodies"), Workloads);
    var here = AppContext.BaseDirectory;

    var webhookPort = ServerProcess.FreePort();
    var barePort = ServerProcess.FreePort();

    // The webhook started as the README shows it, with nothing in its environment that the README does not show.
    using var webhook = Start(Path.Combine(here, "resorcerer-webhook.dll"),
        $"--redis {redis.Configuration} --tls-cert {cert} --tls-key {key} --urls https://127.0.0.1:{webhookPort}",
        new Uri($"https://127.0.0.1:{webhookPort}/metrics"));
    await WaitForAsync(webhookPort, "/readyz");

    // The bare endpoint answers every request with the webhook's own answer to the patched pod: as many bytes to write.
    var answer = Path.Combine(work, "answer.json");
    await File.WriteAllBytesAsync(answer, await AnswerAsync(webhookPort, bodies.Patched));
    using var bare = Start(Path.Combine(here, "webhook-load.dll"), $"bare {barePort} {cert} {key} {answer}");
    await WaitForAsync(barePort, "/healthz");
    Console.WriteLine($"webhook: Release, TLS, HTTP/1.1 and HTTP/2, profiles of {Workloads} workloads held in memory; " +
        $"both servers answer the patched pod with {new FileInfo(answer).Length:N0} bytes; environment: {GcEnvironment()}");
    string Wrk(int port, int duration) => $"-t2 -c32 -d{duration}s --latency -s {bodies.Lua} https://127.0.0.1:{port}/mutate";
    Func<int, int, string> H2load(int streams) => (port, duration) =>
        $"-D {duration} -c 32 -m {streams} -t 2 -d {bodies.Patched} -H 'content-type: application/json' https://127.0.0.1:{port}/mutate";
    foreach (var port in new[] { barePort, webhookPort })
    {
        // Warm-up, not reported: JIT tiers, connection pools.
        Capture("wrk", Wrk(port, 10));
        Capture("h2load", H2load(8)(port, 5));
    }

    Console.WriteLine($"machine: {Environment.ProcessorCount} cores; load tool and servers share them; {rounds} rounds of {seconds} s per server and protocol");
    Console.WriteLine($"HTTP/1.1: wrk {Wrk(0, seconds).Replace("127.0.0.1:0", "127.0.0.1:PORT", StringComparison.Ordinal)} (mix of {bodies.Count} pods)");
    Console.WriteLine($"HTTP/2:   h2load {H2load(8)(0, seconds).Replace("127.0.0.1:0", "127.0.0.1:PORT", StringComparison.Ordinal)} (profiled pod, patched; also with -m 1)");
    var servers = new[] { ("bare", barePort, bare), ("webhook", webhookPort, webhook) };
    var summary = new List<string>();
    foreach (var (protocol, tool, command) in new (string, string, Func<int, int, string>)[] { ("HTTP/1.1", "wrk", Wrk), ("HTTP/2 -m 1", "h2load", H2load(1)), ("HTTP/2 -m 8", "h2load", H2load(8)) })
    {
        var results = new Dictionary<string, List<Measurement>> { ["bare"] = [], ["webhook"] = [] };
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, port, server) in round % 2 == 1 ? servers : servers.Reverse())
            {
                var measured = Measure(tool, command(port, seconds), server);
                results[name].Add(measured);
                Console.WriteLine($"{protocol} round {round} {name,-7}: {measured}");
            }

            Console.WriteLine($"{protocol} round {round} ratio  : throughput {results["webhook"][^1].RequestsPerSecond / results["bare"][^1].RequestsPerSecond:0.00}x, " +
                $"p99 {results["webhook"][^1].P99 / results["bare"][^1].P99:0.00}x");
        }

        summary.Add(Summary(protocol, results["bare"], results["webhook"]));
    }

    Console.WriteLine();
    Console.WriteLine("| protocol | bare req/s | webhook req/s | ratio | bare p50 / p99 | webhook p50 / p99 | p99 ratio | CPU/request bare / webhook |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    summary.ForEach(Console.WriteLine);
    Console.WriteLine("(medians over the rounds; the ratios are of the medians)");

    // Redis killed half-way through a run: no errors, no answer past the budget.
    Console.WriteLine();
    Console.WriteLine($"== webhook wrk HTTP/1.1 with Redis killed after {seconds / 2} s");
    var load = Task.Run(() => Measure("wrk", Wrk(webhookPort, seconds), webhook));
    await Task.Delay(TimeSpan.FromSeconds(seconds / 2.0));
    await redis.StopAsync();
    var outage = await load;
    Console.WriteLine($"Redis killed: {outage}, slowest answer {outage.Max:0.0} ms (webhook budget: 5 s timeout)");
    return 0;
}
finally
{
    Directory.Delete(work, recursive: true);
}

static string Summary(string protocol, List<Measurement> bare, List<Measurement> webhook)
{
    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    var (bareRate, hookRate) = (Median(bare.Select(m => m.RequestsPerSecond)), Median(webhook.Select(m => m.RequestsPerSecond)));
    var (bareP99, hookP99) = (Median(bare.Select(m => m.P99)), Median(webhook.Select(m => m.P99)));
    return $"| {protocol} | {bareRate:N0} | {hookRate:N0} | **{hookRate / bareRate:0.00}x** | {Median(bare.Select(m => m.P50)):0.00} / {bareP99:0.00} ms | " +
        $"{Median(webhook.Select(m => m.P50)):0.00} / {hookP99:0.00} ms | **{hookP99 / bareP99:0.00}x** | " +
        $"{Median(bare.Select(m => m.CpuMicrosPerRequest)):0.0} / {Median(webhook.Select(m => m.CpuMicrosPerRequest)):0.0} us |";
}

static async Task StoreProfilesAsync(string configuration, int count)
{
    await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
    var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
    var seen = new UsageSummary(100, 180, 200, 240, 300, 10_000, DateTimeOffset.UtcNow.AddDays(-7), DateTimeOffset.UtcNow);
    for (var i = 0; i < count; i++)
    {
        await store.PutAsync(new WorkloadProfile
        {
            Workload = new WorkloadRef("shop", "Deployment", $"web{i}"),
            UpdatedAt = DateTimeOffset.UtcNow,
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile>
            {
                ["web"] = new(new ResourceProfile(250, 120, 400, seen), new ResourceProfile(320L << 20, 256L << 20, 400L << 20, seen)),
                ["proxy"] = new(new ResourceProfile(50, 20, 80, seen), new ResourceProfile(64L << 20, 32L << 20, 96L << 20, seen)),
            },
        }, CancellationToken.None);
    }
}

// The GC variables the servers inherit from whoever runs the benchmark (none, unless set on purpose to compare).
static string GcEnvironment()
{
    var set = Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase)).Order().ToList();
    return set.Count == 0 ? "no DOTNET_GC* variables" : string.Join(", ", set.Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));
}

static async Task<byte[]> AnswerAsync(int port, string body)
{
    using var client = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
    using var response = await client.PostAsync($"https://127.0.0.1:{port}/mutate", new StringContent(await File.ReadAllTextAsync(body), Encoding.UTF8, "application/json"));
    var bytes = await response.Content.ReadAsByteArrayAsync();
    if (JsonNode.Parse(bytes)?["response"]?["patch"] is null)
    {
        throw new InvalidOperationException("the webhook did not patch the benchmark's pod: " + Encoding.UTF8.GetString(bytes));
    }

    return bytes;
}

static BenchServer Start(string dll, string arguments, Uri? metrics = null)
{
    var start = new ProcessStartInfo("dotnet", $"{dll} {arguments}") { RedirectStandardOutput = true, RedirectStandardError = true };
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, _) => { };
    process.ErrorDataReceived += (_, _) => { };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return new BenchServer(process, metrics);
}

static async Task WaitForAsync(int port, string path)
{
    using var client = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
    for (var attempt = 0; attempt < 200; attempt++)
    {
        try
        {
            if ((await client.GetAsync($"https://127.0.0.1:{port}{path}")).IsSuccessStatusCode)
            {
                return;
            }
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
        }

        await Task.Delay(100);
    }

    throw new TimeoutException($"nothing answers {path} on port {port}");
}

// Runs the load tool once and reads its report: requests/s, percentiles, failures, and the server's own CPU time
// per request (user + system, all threads).
static Measurement Measure(string tool, string arguments, BenchServer server)
{
    // h2load prints no percentiles; its per-request log (start, status, microseconds) gives them.
    var log = tool == "h2load" ? Path.GetTempFileName() : null;
    var before = server.CpuTime;
    var collectionsBefore = server.Collections();
    var output = Capture(tool, log is null ? arguments : $"{arguments} --log-file {log}");
    var cpu = server.CpuTime - before;
    var collections = server.Collections() is { } after && collectionsBefore is { } start
        ? after.Zip(start, (a, b) => a - b).ToArray() : null;
    double Number(string pattern) => double.Parse(Regex.Match(output, pattern).Groups[1].Value, CultureInfo.InvariantCulture);
    long Count(string pattern) => Regex.Match(output, pattern) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    double p50, p99, max;
    long requests, failures;
    double rate;
    if (log is not null)
    {
        var micros = File.ReadLines(log).Select(line => line.Split('\t')).Where(f => f.Length >= 3)
            .Select(f => double.Parse(f[2], CultureInfo.InvariantCulture)).Order().ToArray();
        File.Delete(log);
        double At(double q) => micros.Length == 0 ? double.NaN : micros[Math.Max(0, (int)Math.Ceiling(q * micros.Length) - 1)] / 1000;
        (p50, p99, max) = (At(0.50), At(0.99), At(1));
        rate = Number(@"finished in [\d.]+s, ([\d.]+) req/s");
        requests = Count(@"requests: (\d+) total");
        failures = Count(@"(\d+) failed") + Count(@"(\d+) errored") + Count(@"(\d+) timeout") + Count(@"\d+ 3xx, (\d+) 4xx") + Count(@"(\d+) 5xx");
    }
    else
    {
        static double Millis(Match m) => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * m.Groups[2].Value switch { "us" => 0.001, "s" => 1000, _ => 1 };
        p50 = Millis(Regex.Match(output, @"50%\s+([\d.]+)(us|ms|s)"));
        p99 = Millis(Regex.Match(output, @"99%\s+([\d.]+)(us|ms|s)"));
        max = Millis(Regex.Match(output, @"Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s)"));
        rate = Number(@"Requests/sec:\s+([\d.]+)");
        requests = Count(@"(\d+) requests in");
        var socketErrors = Regex.Match(output, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)");
        failures = Count(@"Non-2xx or 3xx responses: (\d+)")
            + socketErrors.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture));
    }

    if (requests == 0)
    {
        throw new InvalidOperationException($"{tool} reported no requests:\n{output}");
    }

    return new Measurement(rate, p50, p99, max, requests, cpu.TotalMicroseconds / requests, failures, server.PeakRssMib, collections);
}

static string Capture(string tool, string arguments)
{
    var start = new ProcessStartInfo("bash", ["-c", $"{tool} {arguments}"]) { RedirectStandardOutput = true, RedirectStandardError = true };
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
    process.WaitForExit();
    return $"$ {tool} {arguments}\n{output}";
}

/// <summary>One load tool run against one server; latencies in milliseconds.</summary>
internal sealed record Measurement(
    double RequestsPerSecond, double P50, double P99, double Max, long Requests, double CpuMicrosPerRequest, long Failures, long PeakRssMib,
    long[]? Collections)
{
    public override string ToString() =>
        $"{RequestsPerSecond,9:N0} req/s ({Requests:N0} requests), p50 {P50:0.00} ms, p99 {P99:0.00} ms, server CPU {CpuMicrosPerRequest:0.0} us/request, " +
        $"{(Failures == 0 ? "no failures" : $"{Failures} FAILURES")}, peak RSS {PeakRssMib} MiB" +
        (Collections is { } gcs ? $", GCs gen0/1/2 {string.Join('/', gcs)}" : "");
}

/// <summary>A server the benchmark started; disposing it ends the process (and only that process).</summary>
internal sealed class BenchServer(Process process, Uri? metrics = null) : IDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });

    /// <summary>Garbage collections so far by generation (0, 1, 2), from the server's /metrics; null for a server without them.</summary>
    public long[]? Collections()
    {
        if (metrics is null)
        {
            return null;
        }

        var text = Http.GetStringAsync(metrics).GetAwaiter().GetResult();
        return [.. Enumerable.Range(0, 3).Select(gen =>
            (long)double.Parse(Regex.Match(text, $"dotnet_collection_count_total{{generation=\"{gen}\"}} ([\\d.e+]+)").Groups[1].Value, CultureInfo.InvariantCulture))];
    }

    public TimeSpan CpuTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>The largest resident set so far, in MiB (VmHWM).</summary>
    public long PeakRssMib
    {
        get
        {
            process.Refresh();
            return process.PeakWorkingSet64 >> 20;
        }
    }

    public void Dispose()
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}

/// <summary>Request bodies: a realistic mix of pod admissions, as files for h2load and a Lua script for wrk.</summary>
internal sealed record Bodies(string Patched, string Lua, int Count)
{
    public static Bodies Write(string directory, int workloads)
    {
        Directory.CreateDirectory(directory);
        string Pod(int workload, string containers, string labels = "") =>
            "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"generateName\":\"web" + workload + "-7d4b9c8f6d-\",\"namespace\":\"shop\"," +
            "\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"7d4b9c8f6d\"" + labels + "}," +
            "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web" + workload + "-7d4b9c8f6d\",\"uid\":\"u\",\"controller\":true}]}," +
            "\"spec\":{\"containers\":[" + containers + "],\"restartPolicy\":\"Always\"}}";
        const string Bare = """{"name":"web","image":"nginx:1.27"},{"name":"proxy","image":"envoy:1.31"}""";
        const string Sized = """{"name":"web","image":"nginx:1.27","resources":{"requests":{"cpu":"500m","memory":"1Gi"},"limits":{"cpu":"1","memory":"2Gi"}}},{"name":"proxy","image":"envoy:1.31","resources":{"requests":{"cpu":"100m","memory":"128Mi"}}}""";
        var pods = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            pods.Add(Pod(i % workloads, Bare)); // new pod of a profiled Deployment, no resources
            pods.Add(Pod((i + 10) % workloads, Sized)); // resources and limits set by hand
        }

        pods.Add(Pod(9999, Bare)); // a workload without a profile
        pods.Add(Pod(3, Bare, ",\"resorcerer.io/skip\":\"true\"")); // skipped
        var reviews = pods.Select((pod, i) => AdmissionReviews.For(JsonNode.Parse(pod)!, uid: $"load-{i}")).ToList();
        var patched = Path.Combine(directory, "patched.json");
        File.WriteAllText(patched, reviews[0]);
        var lua = new StringBuilder("local bodies = {\n");
        foreach (var review in reviews)
        {
            lua.Append("  [=[").Append(review).Append("]=],\n");
        }

        lua.Append("}\nlocal i = 0\nrequest = function()\n  i = i % #bodies + 1\n  return wrk.format(\"POST\", nil, {[\"Content-Type\"] = \"application/json\"}, bodies[i])\nend\n");
        var script = Path.Combine(directory, "mix.lua");
        File.WriteAllText(script, lua.ToString());
        return new Bodies(patched, script, reviews.Count);
    }
}

/// <summary>The ceiling: Kestrel with the same TLS and protocols, answering every POST with a fixed response.</summary>
internal static class BareEndpoint
{
    public static async Task<int> RunAsync(int port, string cert, string key, string answerFile)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(cert, key);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(h => { h.ServerCertificate = certificate; h.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13; });
            });
        });
        var app = builder.Build();
        var answer = await File.ReadAllBytesAsync(answerFile);
        app.MapGet("/healthz", () => "ok");
        app.MapPost("/mutate", async context =>
        {
            // Read the body as a real endpoint must, then answer.
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = answer.Length;
            await context.Response.Body.WriteAsync(answer);
        });
        await app.RunAsync();
        return 0;
    }
}
