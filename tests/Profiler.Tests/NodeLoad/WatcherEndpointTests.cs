using System.Net;
using Resorcerer.DevKit;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.NodeLoad;

/// <summary>The running profiler's second listener, as Trimaran's plugins call it.</summary>
public sealed class WatcherEndpointTests(NodeLoadFixture fixture) : IClassFixture<NodeLoadFixture>
{
    private static BackgroundProgram Start(string prometheus, string redis, int port, int watcherPort) =>
        BackgroundProgram.Start("resorcerer-profiler",
            ["--prometheus-url", prometheus, "--redis", redis, "--namespaces", "shop", "--retries", "0",
             "--urls", $"http://127.0.0.1:{port}", "--watcher-urls", $"http://127.0.0.1:{watcherPort}"]);

    [Fact]
    public async Task Watcher_answers_all_nodes_one_host_and_refuses_an_unknown_one()
    {
        var (port, watcherPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
        await using var profiler = Start(fixture.Prometheus.Url.ToString(), fixture.Redis.Configuration, port, watcherPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{watcherPort}") };
        await profiler.WaitUntilAsync(() => http.GetAsync("/watcher/health"));

        using var all = await http.GetAsync("/watcher");
        Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        Assert.Equal("application/json", all.Content.Headers.ContentType?.MediaType);
        var decoded = LoadWatcherDecoder.Decode(await all.Content.ReadAsStringAsync());
        Assert.Equal(["node-a", "node-b", "node-c", "node-d"], decoded.Data.NodeMetricsMap.Keys.Order());
        Assert.Equal("15m", decoded.Window.Duration);

        var one = LoadWatcherDecoder.Decode(await http.GetStringAsync("/watcher?host=node-b"));
        Assert.Equal(["node-b"], one.Data.NodeMetricsMap.Keys);

        using var unknown = await http.GetAsync("/watcher?host=ghost");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no node load for host 'ghost'", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_any_load_is_read_it_answers_404_and_its_health_says_so()
    {
        var (port, watcherPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
        await using var profiler = Start("http://127.0.0.1:9", fixture.Redis.Configuration, port, watcherPort);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{watcherPort}") };
        await profiler.WaitUntilAsync(() => http.GetAsync("/healthz"));

        using var watcher = await http.GetAsync("/watcher");
        Assert.Equal(HttpStatusCode.NotFound, watcher.StatusCode);
        Assert.Contains("no node load yet", await watcher.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var health = await http.GetAsync("/watcher/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }
}
