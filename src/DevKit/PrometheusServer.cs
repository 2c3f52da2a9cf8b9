using System.Diagnostics;
using System.Globalization;

namespace Resorcerer.DevKit;

/// <summary>
/// A real <c>prometheus</c> on a free loopback port whose storage was filled from an OpenMetrics file by
/// <c>promtool tsdb create-blocks-from openmetrics</c>. It scrapes nothing: it serves the series it was given.
/// </summary>
public sealed class PrometheusServer : ServerProcess
{
    private readonly string _directory;

    private PrometheusServer(int port, string directory)
        : base(port) => _directory = directory;

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    /// <summary>Turns the OpenMetrics file into blocks under <paramref name="directory"/> and starts Prometheus on them.</summary>
    public static async Task<PrometheusServer> StartAsync(string openMetricsFile, string directory, int? port = null, params string[] extraArguments)
    {
        var promtool = FindOnPath("promtool");
        var prometheus = FindOnPath("prometheus");
        if (promtool is null || prometheus is null)
        {
            throw new ServerUnavailableException(
                "prometheus and promtool are not on PATH: install them with 'apt-get install -y prometheus'.");
        }

        var data = Path.Combine(directory, "data");
        Directory.CreateDirectory(data);
        await RunToEndAsync(promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", openMetricsFile, data], TimeSpan.FromMinutes(10));

        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, "global:\n  scrape_interval: 1m\nscrape_configs: []\n");

        var server = new PrometheusServer(port ?? FreePort(), directory);
        server.Launch(prometheus,
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=30d",
            $"--web.listen-address=127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}",
            .. extraArguments,
        ], directory);
        await server.WaitUntilAsync(server.IsReadyAsync, TimeSpan.FromSeconds(60), "prometheus");
        return server;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory left behind is harmless.
        }
    }

    private async Task<bool> IsReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using var response = await http.GetAsync(new Uri(Url, "-/ready"));
        return response.IsSuccessStatusCode;
    }

    private static async Task RunToEndAsync(string program, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {timeout.TotalMinutes:0} min");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed with code {process.ExitCode}:\n{await stdout}{await stderr}");
        }
    }
}
