using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Tests.Profiling;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests.Prometheus;

/// <summary>The memory pressure the updater's guard acted on, in a real Redis, read back by the profiler as OOM kills.</summary>
public sealed class PressureAwareUsageSourceTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const long Mi = 1024 * 1024;

    [Fact]
    public async Task Pressure_in_the_window_and_namespaces_counts_as_OOM_kills_beside_the_real_ones()
    {
        var end = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var series = new ClusterSeries(TimeSpan.FromMinutes(1));
        series.Add(new PodSeries("pressed", "web-1", "ReplicaSet", "web-5f7b8c9d4", end.ToUnixTimeSeconds() - 3600, end.ToUnixTimeSeconds(),
            [new ContainerUsageSeries("app", _ => 0.1, _ => 300 * Mi)]));
        series.Add(new OomKillSeries("pressed", "web-1", "app", end.ToUnixTimeSeconds() - 1800));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration);
        var log = new RedisMemoryPressureLog(connection);
        var t = end.ToUnixTimeSeconds();
        await log.RecordAsync(
        [
            new MemoryPressure("pressed", "web-1", "app", t - 600, 400 * Mi),
            new MemoryPressure("pressed", "web-1", "app", t - 7200, 410 * Mi), // before the window
            new MemoryPressure("elsewhere", "db-0", "db", t - 600, 900 * Mi), // another namespace
        ], CancellationToken.None);
        var source = new PressureAwareUsageSource(new SeriesUsageSource(series), log, NullLogger<PressureAwareUsageSource>.Instance);

        var kills = await source.ReadOomKillsAsync(["pressed"], new TimeWindow(end.AddHours(-1), end), CancellationToken.None);

        Assert.Equal(2, kills.Count);
        Assert.Contains(kills, k => k.Container == new ContainerKey("pressed", "web-1", "app") && k.Timestamp == t - 600 && k.MemoryBytes == 400 * Mi);
        Assert.Contains(kills, k => k.Timestamp != t - 600); // the kill Prometheus knows of
    }

    [Fact]
    public async Task Without_Redis_the_kills_from_Prometheus_still_count()
    {
        var series = new ClusterSeries(TimeSpan.FromMinutes(1));
        series.Add(new PodSeries("pressed", "web-1", "ReplicaSet", "web-5f7b8c9d4", 1_800_000_000 - 3600, 1_800_000_000, [new ContainerUsageSeries("app", _ => 0.1, _ => 300 * Mi)]));
        series.Add(new OomKillSeries("pressed", "web-1", "app", 1_800_000_000 - 1800));
        await using var unreachable = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{ServerProcess.FreePort()},abortConnect=false,connectTimeout=200,syncTimeout=200,asyncTimeout=200");
        var source = new PressureAwareUsageSource(new SeriesUsageSource(series), new RedisMemoryPressureLog(unreachable), NullLogger<PressureAwareUsageSource>.Instance);

        var kills = await source.ReadOomKillsAsync(["pressed"], new TimeWindow(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 - 3600), DateTimeOffset.FromUnixTimeSeconds(1_800_000_000)), CancellationToken.None);

        Assert.Single(kills);
    }
}
