using Resorcerer.DevKit;
using Resorcerer.TestSupport;

namespace Resorcerer.Kubectl.Tests;

/// <summary>
/// <c>kubectl resorcerer report</c> through the fake API server's service proxy to a running profiler (profiles
/// from a real cycle over a real Prometheus and Redis), and <c>kubectl resorcerer dashboard</c> running kubectl.
/// </summary>
public sealed class ReportAndDashboardTests(ClusterFixture cluster) : PluginTestBase, IClassFixture<ClusterFixture>
{
    private const string ProxyPath = "/api/v1/namespaces/resorcerer/services/resorcerer-profiler:http/proxy/api/v1/report";

    /// <summary>One profiler cycle over the cluster, then the profiler serving its API on a free port.</summary>
    private async Task<(BackgroundProgram Profiler, Uri Url)> ProfilerAsync()
    {
        var once = await ProgramRun.RunAsync("resorcerer-profiler",
            ["--once", "--namespaces", "shop", "--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration, "--history", "12h"]);
        Assert.True(once.ExitCode == 0, once.Stderr + once.Stdout);
        var port = ServerProcess.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var profiler = BackgroundProgram.Start("resorcerer-profiler",
            ["--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration, "--namespaces", "none",
             "--urls", url.ToString().TrimEnd('/'), "--watcher-urls", ""]);
        using var http = new HttpClient { BaseAddress = url };
        await profiler.WaitUntilAsync(() => http.GetAsync("/healthz"));
        return (profiler, url);
    }

    [Fact]
    public async Task Report_reads_the_profilers_report_through_the_service_proxy_in_the_format_asked()
    {
        var (profiler, url) = await ProfilerAsync();
        await using var _ = profiler;
        Api.ProxyService("resorcerer", "resorcerer-profiler:http", url);

        var csv = await RunAsync("report", "-n", "shop", "--format", "csv", "--sort", "name");

        Assert.True(csv.ExitCode == 0, csv.Stderr + csv.Stdout + string.Join("\n", Api.Requests));
        var lines = csv.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("workload,container,replicas,cpu_request_m", lines[0], StringComparison.Ordinal);
        var web = lines.Single(l => l.StartsWith("shop/Deployment/web,web,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(("2", "500"), (web[2], web[3])); // two running pods asking for 500m each (kube-state-metrics)
        Assert.Contains($"GET {ProxyPath}?format=csv&sort=name&namespace=shop", Api.Requests);

        var table = await RunAsync("report");
        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.StartsWith("WORKLOAD", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("shop/StatefulSet/db", table.Stdout, StringComparison.Ordinal);
        Assert.Contains($"GET {ProxyPath}?format=table&sort=savings", Api.Requests);
    }

    [Fact]
    public async Task Report_names_what_refused_it()
    {
        var (profiler, url) = await ProfilerAsync();
        await using (profiler)
        {
            Api.ProxyService("resorcerer", "resorcerer-profiler:http", url);

            var elsewhere = await RunAsync("report", "--release-namespace", "tools");
            Assert.Equal(1, elsewhere.ExitCode);
            Assert.Contains("there is no Service resorcerer-profiler in namespace tools: services \"resorcerer-profiler\" not found", elsewhere.Stderr, StringComparison.Ordinal);

            var badFormat = await RunAsync("report", "--format", "pdf");
            Assert.Equal(2, badFormat.ExitCode);
            Assert.Contains("--format 'pdf' is not one of table, json, csv, yaml, markdown, html", badFormat.Stderr, StringComparison.Ordinal);

            var badNamespace = await RunAsync("report", "-n", "Shop_1");
            Assert.Equal(2, badNamespace.ExitCode);
            Assert.Contains("-n 'Shop_1' is not a valid namespace name", badNamespace.Stderr, StringComparison.Ordinal);
        }

        // The profiler gone: the API server's proxy cannot reach it.
        var gone = await RunAsync("report");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("error trying to reach service", gone.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_runs_kubectl_port_forward_prints_the_address_and_says_why_it_ended()
    {
        var bin = Directory.CreateDirectory(Path.Combine(WorkDirectory, "bin")).FullName;
        var stop = Path.Combine(WorkDirectory, "stop");
        var kubectl = Path.Combine(bin, "kubectl");
        // A kubectl that forwards as the real one announces it, until told to lose the connection.
        await File.WriteAllTextAsync(kubectl, $"""
            #!/bin/sh
            echo "$@" > "{WorkDirectory}/args"
            echo "Forwarding from 127.0.0.1:43111 -> 8080"
            echo "Forwarding from [::1]:43111 -> 8080"
            while [ ! -f "{stop}" ]; do sleep 0.1; done
            echo "error: lost connection to pod" >&2
            exit 1
            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await using var plugin = BackgroundProgram.Start(Plugin, ["dashboard", "--context", "fake"],
            new Dictionary<string, string> { ["KUBECONFIG"] = Kubeconfig, ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });
        await Eventually.HoldsAsync(() => Task.FromResult(plugin.Output.Contains("resorcerer's dashboard: http://127.0.0.1:43111/", StringComparison.Ordinal)),
            "the dashboard's address:\n" + plugin.Output);
        Assert.Equal("port-forward -n resorcerer svc/resorcerer-profiler :http --address 127.0.0.1 --context=fake", (await File.ReadAllTextAsync(Path.Combine(WorkDirectory, "args"))).Trim());

        await File.WriteAllTextAsync(stop, string.Empty);
        await Eventually.HoldsAsync(() => Task.FromResult(plugin.HasExited), "the plugin to end with kubectl");
        Assert.Equal(1, plugin.ExitCode);
        Assert.Contains("kubectl port-forward ended (1): error: lost connection to pod", plugin.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_without_kubectl_says_how_to_give_it()
    {
        var result = await RunAsync("dashboard", "--kubectl", Path.Combine(WorkDirectory, "no-such-kubectl"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Give its path with --kubectl", result.Stderr, StringComparison.Ordinal);

        var badPort = await RunAsync("dashboard", "--port", "http");
        Assert.Equal(2, badPort.ExitCode);
        Assert.Contains("--port 'http' is not a port number", badPort.Stderr, StringComparison.Ordinal);
    }
}
