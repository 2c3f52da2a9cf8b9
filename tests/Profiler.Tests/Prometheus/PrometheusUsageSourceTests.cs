using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.PrometheusApi;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.Prometheus;

[Collection(ClusterCollection.Name)]
public sealed class PrometheusUsageSourceTests(ClusterFixture cluster)
{
    private TimeWindow Window => new(cluster.End.AddHours(-12), cluster.End.AddMinutes(1));

    [Fact]
    public async Task Ownership_covers_every_pod_and_replicaset_of_the_window()
    {
        await using var harness = new ProfilerHarness(cluster);
        var ownership = await harness.Source.ReadOwnershipAsync(["shop"], Window, CancellationToken.None);

        Assert.Equal(9, ownership.Pods.Count); // 4 web, db, agent, legacy, thin, debug
        Assert.Contains(new PodOwner("shop", "db-0", "StatefulSet", "db"), ownership.Pods);
        Assert.Contains(new PodOwner("shop", "debug", "<none>", "<none>"), ownership.Pods);
        Assert.Equal(3, ownership.Controllers.Count); // ReplicaSets web x2 and thin; legacy has none on purpose
        Assert.DoesNotContain(ownership.Pods, p => p.Namespace == "other");
    }

    [Fact]
    public async Task Usage_is_per_container_without_the_pod_cgroup_and_pause_series()
    {
        await using var harness = new ProfilerHarness(cluster);
        var cpu = await harness.Source.ReadUsageAsync(UsageResource.Cpu, ["shop"], Window, CancellationToken.None);
        var memory = await harness.Source.ReadUsageAsync(UsageResource.Memory, ["shop"], Window, CancellationToken.None);

        Assert.All(cpu.Concat(memory), series => Assert.DoesNotContain(series.Container.Container, new[] { "", "POD" }));
        Assert.Equal(13, memory.Count); // 4 web pods x 2 containers, db, agent, legacy, thin, debug

        var db = Assert.Single(cpu, s => s.Container.Pod == "db-0");
        // Away from the series' edges, rate() of a counter growing 1.5 s per second is 1.5.
        Assert.Equal(1.5, db.Samples[db.Samples.Count / 2].Value, precision: 6);
        var dbMemory = Assert.Single(memory, s => s.Container.Pod == "db-0");
        Assert.All(dbMemory.Samples, s => Assert.Equal(1024.0 * 1024 * 1024, s.Value));
    }

    [Fact]
    public async Task Oom_kills_are_found_once_each_with_their_time_and_the_memory_in_use()
    {
        await using var harness = new ProfilerHarness(cluster);
        var kills = await harness.Source.ReadOomKillsAsync(["shop"], Window, CancellationToken.None);

        var kill = Assert.Single(kills);
        Assert.Equal(new ContainerKey("shop", "db-0", "postgres"), kill.Container);
        Assert.InRange(kill.Timestamp, TestCluster.OomKillTime(cluster.End), TestCluster.OomKillTime(cluster.End) + 120);
        Assert.Equal(1024.0 * 1024 * 1024, kill.MemoryBytes);
    }

    [Fact]
    public async Task A_kill_is_found_once_however_the_window_is_cut()
    {
        await using var harness = new ProfilerHarness(cluster);
        var kill = TestCluster.OomKillTime(cluster.End);
        var found = new List<OomKill>();
        // Windows of three minutes, meeting around the kill as the profiler's chunks meet.
        for (var start = kill - 15 * 60; start < kill + 15 * 60; start += 180)
        {
            found.AddRange(await harness.Source.ReadOomKillsAsync(["shop"],
                new TimeWindow(DateTimeOffset.FromUnixTimeSeconds(start + 60), DateTimeOffset.FromUnixTimeSeconds(start + 180)), CancellationToken.None));
        }

        Assert.Equal(Assert.Single(await harness.Source.ReadOomKillsAsync(["shop"], Window, CancellationToken.None)), Assert.Single(found));
    }

    [Fact]
    public async Task A_long_window_is_read_in_chunks_that_meet_without_gaps_or_overlaps()
    {
        await using var whole = new ProfilerHarness(cluster);
        await using var chunked = new ProfilerHarness(cluster, o => o.MaxPointsPerQuery = 50); // 50-minute chunks

        var expected = await whole.Source.ReadUsageAsync(UsageResource.Memory, ["shop"], Window, CancellationToken.None);
        var actual = await chunked.Source.ReadUsageAsync(UsageResource.Memory, ["shop"], Window, CancellationToken.None);

        Assert.Equal(expected.Count, actual.Count);
        foreach (var series in expected)
        {
            var other = Assert.Single(actual, s => s.Container == series.Container);
            Assert.Equal(series.Samples, other.Samples);
            Assert.Equal(other.Samples.Count, other.Samples.Select(s => s.Timestamp).Distinct().Count());
        }
    }

    [Fact]
    public async Task An_answer_too_large_for_prometheus_is_read_in_parts()
    {
        // A second Prometheus with the same series that refuses any query touching more than 2,000 samples.
        var directory = Directory.CreateTempSubdirectory("resorcerer-small-prometheus-").FullName;
        var input = await TestCluster.Build(cluster.End).WriteOpenMetricsFileAsync(Path.Combine(directory, "series.om"));
        await using var small = await DevKit.PrometheusServer.StartAsync(input, directory, extraArguments: "--query.max-samples=2000");
        await using var reference = new ProfilerHarness(cluster);
        var limited = new PrometheusUsageSource(new PrometheusClient(new HttpClient { BaseAddress = small.Url }), reference.Options);

        var expected = await reference.Source.ReadUsageAsync(UsageResource.Memory, ["shop", "other"], Window, CancellationToken.None);
        var actual = await limited.ReadUsageAsync(UsageResource.Memory, ["shop", "other"], Window, CancellationToken.None);

        Assert.True(limited.QueriesSent > 2, $"{limited.QueriesSent} queries");
        Assert.Equal(expected.Count, actual.Count);
        foreach (var series in expected)
        {
            Assert.Equal(series.Samples, Assert.Single(actual, s => s.Container == series.Container).Samples);
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_named_in_the_error()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/"), Timeout = TimeSpan.FromSeconds(5) };
        var client = new PrometheusClient(http);

        var error = await Assert.ThrowsAsync<PrometheusException>(() => client.QueryAsync("up", DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Contains("cannot reach Prometheus at http://127.0.0.1:9/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_query_carries_prometheus_own_reason()
    {
        using var http = new HttpClient { BaseAddress = cluster.Prometheus.Url };
        var client = new PrometheusClient(http);

        var error = await Assert.ThrowsAsync<PrometheusException>(() => client.QueryAsync("sum(", DateTimeOffset.UtcNow, CancellationToken.None));
        Assert.Contains("bad_data", error.Message, StringComparison.Ordinal);
    }
}
