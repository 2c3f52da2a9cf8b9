using System.Net;
using System.Text.Json.Nodes;
using Resorcerer.DevKit;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Report;
using Resorcerer.Profiler.Workloads;
using Resorcerer.PrometheusApi;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.Report;

/// <summary>The report against the real Prometheus holding <see cref="TestCluster"/>'s kube-state-metrics requests, and the stored profiles.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReportTests(ClusterFixture cluster)
{
    private const long Mi = TestCluster.Mi;

    [Fact]
    public async Task Running_pods_requests_are_read_with_two_queries_and_joined_with_the_profiles()
    {
        await using var harness = new ProfilerHarness(cluster, o => o.Strategy = "krr");
        await harness.FlushRedisAsync();
        var written = (await harness.Cycle.RunAsync(CancellationToken.None)).Written;
        using var http = new HttpClient { BaseAddress = cluster.Prometheus.Url };
        var client = new PrometheusClient(http);

        var running = await new RunningResources(client).ReadAsync(["shop"], cluster.End, CancellationToken.None);
        var owners = new OwnershipResolver(await harness.Source.ReadOwnershipAsync(["shop"], new TimeWindow(cluster.End.AddHours(-1), cluster.End), CancellationToken.None));
        var report = ReportBuilder.Build(written, running, owners.WorkloadOf, Prices.Default);

        Assert.Equal(2, client.QueriesSent);
        // Only Running pods: web's two new ones and db-0 (an old web pod reports phase Succeeded).
        Assert.Equal(["db-0/postgres", "web-6c8d9f7b5-b4n8w/proxy", "web-6c8d9f7b5-b4n8w/web", "web-6c8d9f7b5-z2r6v/proxy", "web-6c8d9f7b5-z2r6v/web"],
            running.Select(c => $"{c.Pod}/{c.Container}"));
        var web = report.Single(r => r.Workload.Name == "web" && r.Container == "web");
        // 2 pods at 500m / 256 MiB (limits 1000m / 512 MiB); KRR recommends 402m and 173 MiB (see ProfilingCycleTests).
        Assert.Equal((2, 500L, 1000L, 402L, 804L), (web.Replicas, web.Cpu.Request!.Value, web.Cpu.Limit!.Value, web.Cpu.RecommendedRequest!.Value, web.Cpu.RecommendedLimit!.Value));
        Assert.Equal((256 * Mi, 173 * Mi), (web.Memory.Request!.Value, web.Memory.RecommendedRequest!.Value));
        Assert.Equal(2 * 0.098, web.CpuSavingsCores, 9);            // (500m - 402m) x 2 pods
        Assert.Equal(2 * 83 / 1024.0, web.MemorySavingsGib, 9);      // (256 - 173) MiB x 2 pods
        Assert.Equal("waste", web.Status);
        var db = report.Single(r => r.Workload.Name == "db");
        Assert.Equal((1, 2000L, 1506L, "waste"), (db.Replicas, db.Cpu.Request!.Value, db.Cpu.RecommendedRequest!.Value, db.Status));
        var agent = report.Single(r => r.Workload.Name == "agent");
        Assert.Equal((0, "unset"), (agent.Replicas, agent.Status)); // no requests reported for it
    }

    [Fact]
    public async Task The_report_is_served_by_a_running_profiler_and_a_bad_namespace_is_refused()
    {
        await using (var harness = new ProfilerHarness(cluster))
        {
            await harness.FlushRedisAsync();
            await harness.Cycle.RunAsync(CancellationToken.None);
        }

        var port = ServerProcess.FreePort();
        await using var profiler = BackgroundProgram.Start("resorcerer-profiler",
            ["--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration, "--namespaces", "none",
             "--urls", $"http://127.0.0.1:{port}", "--watcher-urls", "", "--cpu-price-per-core-hour", "0.05"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await profiler.WaitUntilAsync(() => http.GetAsync("/healthz"));

        var report = JsonNode.Parse(await http.GetStringAsync("/api/v1/report?namespace=shop"))!;
        Assert.Equal(0.05, report["prices"]!["cpuPerCoreHour"]!.GetValue<double>());
        var containers = report["containers"]!.AsArray();
        Assert.Contains(containers, c => c!["workload"]!.GetValue<string>() == "shop/Deployment/web" && c["container"]!.GetValue<string>() == "proxy");
        Assert.All(containers, c => Assert.Contains(c!["status"]!.GetValue<string>(), new[] { "waste", "risk", "ok", "unset" }));

        // Any format of the command, sorted as asked: what kubectl resorcerer report reads through the service proxy.
        using var csv = await http.GetAsync("/api/v1/report?namespace=shop&format=csv&sort=name");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0] + "/" + l.Split(',')[1]).ToList();
        Assert.Equal(containers.Count, rows.Count);
        Assert.Equal(rows.Order(StringComparer.Ordinal), rows);

        foreach (var (query, message) in new[]
        {
            ("namespace=Not_Valid", "namespace 'Not_Valid' is not a valid namespace name"),
            ("format=pdf", "format 'pdf' is not one of table, json, csv, yaml, markdown, html"),
            ("sort=cost", "sort 'cost' is not one of savings, risk, name"),
        })
        {
            using var refused = await http.GetAsync("/api/v1/report?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(message, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_report_command_writes_table_json_and_csv_that_read_back_and_names_bad_options()
    {
        await using (var harness = new ProfilerHarness(cluster))
        {
            await harness.FlushRedisAsync();
            await harness.Cycle.RunAsync(CancellationToken.None);
        }

        string[] Args(params string[] more) =>
            ["report", "--redis", cluster.Redis.Configuration, "--prometheus-url", cluster.Prometheus.Url.ToString(), "--namespace", "shop", .. more];

        var csv = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "csv", "--sort", "name"));
        Assert.True(csv.ExitCode == 0, csv.Stderr);
        var rows = csv.Stdout.TrimEnd('\n').Split('\n').Select(line => line.Split(',')).ToList();
        Assert.Equal(21, rows[0].Length);
        Assert.All(rows, row => Assert.Equal(rows[0].Length, row.Length));
        Assert.Equal(["shop/DaemonSet/agent", "shop/Deployment/legacy", "shop/Deployment/web", "shop/Deployment/web", "shop/StatefulSet/db"], rows.Skip(1).Select(r => r[0]));

        var json = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "json"));
        Assert.True(json.ExitCode == 0, json.Stderr);
        var containers = JsonNode.Parse(json.Stdout)!["containers"]!.AsArray();
        Assert.Equal(5, containers.Count);
        var savings = containers.Select(c => c!["monthlySavings"]!.GetValue<double>()).ToList();
        Assert.Equal(savings.OrderByDescending(v => v), savings); // --sort savings by default

        var yaml = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "yaml"));
        Assert.True(yaml.ExitCode == 0, yaml.Stderr);
        var fromYaml = (Dictionary<object, object>)new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(yaml.Stdout)!;
        var yamlContainers = (List<object>)fromYaml["containers"];
        Assert.Equal(containers.Select(c => c!["workload"]!.GetValue<string>() + "/" + c["container"]!.GetValue<string>()),
            yamlContainers.Cast<Dictionary<object, object>>().Select(c => $"{c["workload"]}/{c["container"]}"));
        Assert.Equal(containers.Select(c => c!["monthlySavings"]!.GetValue<double>()),
            yamlContainers.Cast<Dictionary<object, object>>().Select(c => double.Parse((string)c["monthlySavings"], System.Globalization.CultureInfo.InvariantCulture)));

        var markdown = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "markdown"));
        Assert.True(markdown.ExitCode == 0, markdown.Stderr);
        var mdRows = markdown.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(2 + 5, mdRows.Length); // header, rule, one row per container
        Assert.All(mdRows, row => Assert.Equal(12, row.Count(ch => ch == '|')));

        var html = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "html"));
        Assert.True(html.ExitCode == 0, html.Stderr);
        Assert.StartsWith("<!DOCTYPE html>", html.Stdout, StringComparison.Ordinal);
        Assert.Equal(2 * 5, System.Text.RegularExpressions.Regex.Count(html.Stdout, "<svg ")); // CPU and memory per container
        Assert.True(System.Text.RegularExpressions.Regex.Count(html.Stdout, "<rect class=\"bar\"") >= 5 * 2 * 2); // at least recommended and a usage bar each
        // Self-contained: nothing to fetch (the only URL is SVG's namespace name), no script.
        Assert.All(System.Text.RegularExpressions.Regex.Matches(html.Stdout, "https?://[^\"]*").Select(m => m.Value), url => Assert.Equal("http://www.w3.org/2000/svg", url));
        Assert.DoesNotContain("<script", html.Stdout, StringComparison.OrdinalIgnoreCase);

        var table = await ProgramRun.RunAsync("resorcerer-profiler", Args());
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.StartsWith("WORKLOAD", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("5 container(s);", table.Stdout, StringComparison.Ordinal);

        var directory = Directory.CreateTempSubdirectory("resorcerer-patches-").FullName;
        try
        {
            var patches = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "patches", "--output", directory));
            Assert.True(patches.ExitCode == 0, patches.Stderr);
            Assert.Equal(["kustomization.yaml", "shop-daemonset-agent.yaml", "shop-deployment-legacy.yaml", "shop-deployment-web.yaml", "shop-statefulset-db.yaml"],
                Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            Assert.Contains("4 patch(es) and kustomization.yaml written", patches.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        var noOutput = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "patches"));
        Assert.Equal(2, noOutput.ExitCode);
        Assert.Contains("--format patches needs --output DIR", noOutput.Stderr, StringComparison.Ordinal);

        var bad = await ProgramRun.RunAsync("resorcerer-profiler", Args("--format", "pdf"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--format 'pdf' is not one of table, json, csv, yaml, markdown, html, patches", bad.Stderr, StringComparison.Ordinal);
        var noRedis = await ProgramRun.RunAsync("resorcerer-profiler",
            ["report", "--redis", $"127.0.0.1:{ServerProcess.FreePort()},connectTimeout=500", "--prometheus-url", cluster.Prometheus.Url.ToString()]);
        Assert.Equal(1, noRedis.ExitCode);
        Assert.Contains("cannot read the profiles from Redis", noRedis.Stderr, StringComparison.Ordinal);
    }
}
