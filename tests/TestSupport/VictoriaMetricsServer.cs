using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Resorcerer.DevKit;

namespace Resorcerer.TestSupport;

/// <summary>
/// A real VictoriaMetrics (Debian's <c>victoria-metrics</c> package) on a free loopback port, holding the given
/// series, imported through its Prometheus-text import API. Caching is off and the latency offset is zero, so that a
/// query sees exactly what was imported.
/// </summary>
public sealed class VictoriaMetricsServer : ServerProcess, IPrometheusUnderTest
{
    private readonly string _directory;

    private VictoriaMetricsServer(int port, string directory)
        : base(port) => _directory = directory;

    public Uri Url => new($"http://127.0.0.1:{Port}/");

    public string How => "binary";

    public static async Task<VictoriaMetricsServer> StartAsync(ClusterSeries series)
    {
        var binary = FindOnPath("victoria-metrics")
            ?? throw new ServerUnavailableException("victoria-metrics is not on PATH: install it with 'apt-get install -y victoria-metrics'.");
        var directory = Directory.CreateTempSubdirectory("resorcerer-victoria-").FullName;
        var server = new VictoriaMetricsServer(FreePort(), directory);
        server.Launch(binary,
        [
            $"-storageDataPath={Path.Combine(directory, "data")}",
            $"-httpListenAddr=127.0.0.1:{server.Port.ToString(CultureInfo.InvariantCulture)}",
            "-retentionPeriod=10y",
            "-search.disableCache",
            "-search.latencyOffset=0s",
            "-loggerLevel=ERROR",
        ], directory);
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(5) };
        await server.WaitUntilAsync(async () => (await http.GetAsync("/health")).IsSuccessStatusCode, TimeSpan.FromSeconds(60), "victoria-metrics");
        await server.ImportAsync(http, series);
        return server;
    }

    /// <summary>Sends the series as Prometheus text (timestamps in milliseconds), then makes them searchable at once.</summary>
    private async Task ImportAsync(HttpClient http, ClusterSeries series)
    {
        var openMetrics = await series.WriteOpenMetricsFileAsync(Path.Combine(_directory, "series.om"));
        var text = new StringBuilder();
        async Task SendAsync()
        {
            using var content = new StringContent(text.ToString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
            using var response = await http.PostAsync("/api/v1/import/prometheus", content);
            response.EnsureSuccessStatusCode();
            text.Clear();
        }

        foreach (var line in File.ReadLines(openMetrics))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            // name{labels} value timestamp-in-seconds: the timestamp is the last field.
            var last = line.LastIndexOf(' ');
            var seconds = double.Parse(line.AsSpan(last + 1), CultureInfo.InvariantCulture);
            text.Append(line.AsSpan(0, last)).Append(' ').Append(((long)Math.Round(seconds * 1000)).ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (text.Length > 4 << 20)
            {
                await SendAsync();
            }
        }

        await SendAsync();
        (await http.GetAsync("/internal/force_flush")).EnsureSuccessStatusCode();
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
            // Best effort.
        }
    }
}
