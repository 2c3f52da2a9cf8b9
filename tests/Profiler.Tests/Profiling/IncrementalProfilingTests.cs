using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiles;
using Resorcerer.PrometheusApi;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>A clock the test moves; everything else about time is real.</summary>
public sealed class MovableTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Incremental reading, checkpoints, restarts and outages, against the real servers.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IncrementalProfilingTests(ClusterFixture cluster)
{
    private static readonly WorkloadRef Web = new("shop", "Deployment", "web");

    [Theory]
    [InlineData("krr")]
    [InlineData("vpa")]
    [InlineData("resorcerer")]
    public async Task Two_cycles_across_a_restart_learn_exactly_what_one_full_cycle_learns(string strategy)
    {
        await using var harness = new ProfilerHarness(cluster, o => o.Strategy = strategy);
        await harness.FlushRedisAsync();
        // Both end at the same time: series read past the end of the data go on for a few minutes (Prometheus looks
        // back 5 minutes), so runs ending at different wall-clock times would read different tails.
        var final = new MovableTime(cluster.End.AddMinutes(3));
        var whole = await harness.NewCycle(clock: final).RunAsync(CancellationToken.None);
        await harness.FlushRedisAsync();

        // First run up to ten minutes before the data ends; then a new process (empty memory) picks up from the checkpoints.
        var clock = new MovableTime(cluster.End.AddMinutes(-10));
        var first = await harness.NewCycle(time: clock).RunAsync(CancellationToken.None);
        var second = await harness.NewCycle(clock: final).RunAsync(CancellationToken.None);

        Assert.True(first.Queries > second.Queries, $"backfill {first.Queries} queries, then {second.Queries}");
        // One short window: the nodes' size, CPU, memory, OOM kills, the three ownership queries (a new process knows no
        // pod), and the eight mesh queries.
        Assert.Equal(1 + 6 + 8, second.Queries);
        foreach (var expected in whole.Written)
        {
            var actual = second.Written.Single(p => p.Workload == expected.Workload);
            foreach (var (name, container) in expected.Containers)
            {
                Assert.Equal(container.Cpu?.Target, actual.Containers[name].Cpu?.Target);
                Assert.Equal(container.Memory?.Target, actual.Containers[name].Memory?.Target);
                Assert.Equal(container.Memory?.Observed.Samples, actual.Containers[name].Memory?.Observed.Samples);
            }
        }
    }

    [Fact]
    public async Task A_cycle_with_nothing_new_reads_little_and_rewrites_nothing()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        await harness.Cycle.RunAsync(CancellationToken.None);
        var stored = await harness.Store.GetAsync(Web, CancellationToken.None);

        var again = await harness.Cycle.RunAsync(CancellationToken.None);

        Assert.Empty(again.Written);
        Assert.Equal(stored!.UpdatedAt, (await harness.Store.GetAsync(Web, CancellationToken.None))!.UpdatedAt);
    }

    [Fact]
    public async Task With_prometheus_unreachable_the_cycle_fails_after_retries_and_profiles_stay()
    {
        await using var harness = new ProfilerHarness(cluster, o => (o.Retries, o.RetryDelay) = (2, Configuration.Duration.FromSeconds(0.05)));
        await harness.FlushRedisAsync();
        await harness.Cycle.RunAsync(CancellationToken.None);
        var before = await harness.Store.GetAsync(Web, CancellationToken.None);

        using var dead = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var broken = new PrometheusUsageSource(new PrometheusClient(dead), harness.Options);
        var error = await Assert.ThrowsAsync<PrometheusException>(
            () => harness.NewCycle(clock: new MovableTime(DateTimeOffset.UtcNow.AddHours(1)), source: broken).RunAsync(CancellationToken.None));

        Assert.Contains("cannot reach Prometheus", error.Message, StringComparison.Ordinal);
        Assert.Equal(ProfileJson.Serialize(before!), ProfileJson.Serialize((await harness.Store.GetAsync(Web, CancellationToken.None))!));
        Assert.Equal(1 + 3, broken.QueriesSent); // the nodes' size (not retried: the last known stands), then the first usage query, tried three times
    }

    /// <summary>Prometheus that knows the pods but returns no usage for them, as a half-broken federation might.</summary>
    private sealed class UsageVanishes(IUsageSource real) : IUsageSource
    {
        public bool Vanished { get; set; }

        public long QueriesSent => real.QueriesSent;

        public Task PingAsync(CancellationToken cancellationToken) => real.PingAsync(cancellationToken);

        public Task<NodeBounds> ReadNodeBoundsAsync(DateTimeOffset at, CancellationToken cancellationToken) => real.ReadNodeBoundsAsync(at, cancellationToken);

        public Task<Ownership> ReadOwnershipAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken) =>
            real.ReadOwnershipAsync(namespaces, window, cancellationToken);

        public async Task<IReadOnlyList<ContainerUsage>> ReadUsageAsync(
            UsageResource resource, IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken) =>
            Vanished ? [] : await real.ReadUsageAsync(resource, namespaces, window, cancellationToken);

        public Task<IReadOnlyList<OomKill>> ReadOomKillsAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken) =>
            real.ReadOomKillsAsync(namespaces, window, cancellationToken);
    }

    [Fact]
    public async Task A_partial_answer_is_retried_then_refused_and_never_overwrites_a_profile()
    {
        await using var harness = new ProfilerHarness(cluster, o => (o.Retries, o.RetryDelay) = (1, Configuration.Duration.FromSeconds(0.05)));
        await harness.FlushRedisAsync();
        var source = new UsageVanishes(harness.Source);
        var clock = new MovableTime(cluster.End.AddHours(-1));
        var cycle = harness.NewCycle(clock: clock, source: source);
        await cycle.RunAsync(CancellationToken.None);
        var before = await harness.Store.GetAsync(Web, CancellationToken.None);

        source.Vanished = true;
        clock.Now = DateTimeOffset.UtcNow;
        var error = await Assert.ThrowsAsync<PrometheusException>(() => cycle.RunAsync(CancellationToken.None));

        Assert.Contains("treating the answer as partial", error.Message, StringComparison.Ordinal);
        Assert.Equal(ProfileJson.Serialize(before!), ProfileJson.Serialize((await harness.Store.GetAsync(Web, CancellationToken.None))!));

        // When Prometheus answers fully again, the same window is read: nothing was skipped.
        source.Vanished = false;
        var recovered = await cycle.RunAsync(CancellationToken.None);
        Assert.Contains(recovered.Written, p => p.Workload == Web);
        Assert.True((await harness.Store.GetAsync(Web, CancellationToken.None))!.UpdatedAt > before!.UpdatedAt);
    }

    [Fact]
    public async Task With_redis_down_the_state_waits_in_memory_and_is_written_when_redis_is_back()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        var clock = new MovableTime(cluster.End.AddHours(-1));
        var cycle = harness.NewCycle(clock: clock);
        await cycle.RunAsync(CancellationToken.None);

        // The last hour is read with Redis down: four workloads learn more, and thin (whose data is only that hour)
        // is met for the first time: it cannot know whether it has a checkpoint, so it waits.
        clock.Now = DateTimeOffset.UtcNow;
        await cluster.Redis.StopAsync();
        CycleReport down;
        try
        {
            down = await cycle.RunAsync(CancellationToken.None);
        }
        finally
        {
            await cluster.Redis.RestartAsync();
        }

        Assert.Equal(4, down.PendingWrites); // agent, db, legacy and web
        Assert.Equal(1, down.WaitingForCheckpoint); // thin
        Assert.Empty(down.Written);

        await WaitForRedisAsync(harness);
        var back = await cycle.RunAsync(CancellationToken.None);

        Assert.Equal((0, 0), (back.PendingWrites, back.WaitingForCheckpoint));
        Assert.Equal(["shop/DaemonSet/agent", "shop/Deployment/legacy", "shop/Deployment/web", "shop/StatefulSet/db"],
            back.Written.Select(p => p.Workload.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal([new WorkloadRef("shop", "Deployment", "thin")], back.KeptForThinData); // its held hour was folded in
        Assert.NotNull(await harness.Store.GetAsync(Web, CancellationToken.None));
    }

    [Fact]
    public async Task A_new_process_that_cannot_read_its_cursors_fails_the_cycle_and_changes_nothing()
    {
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        await cluster.Redis.StopAsync();
        try
        {
            var error = await Assert.ThrowsAnyAsync<RedisException>(() => harness.NewCycle().RunAsync(CancellationToken.None));
            Assert.Equal("redis", CycleFailure.Kind(error));
        }
        finally
        {
            await cluster.Redis.RestartAsync();
        }

        await WaitForRedisAsync(harness);
        Assert.Empty(await harness.Store.ListAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task A_workload_without_usage_for_the_forget_period_loses_its_profile()
    {
        await using var harness = new ProfilerHarness(cluster, o => o.ForgetAfter = Configuration.Duration.FromHours(1));
        await harness.FlushRedisAsync();
        var clock = new MovableTime(DateTimeOffset.UtcNow);
        var cycle = harness.NewCycle(clock: clock);
        await cycle.RunAsync(CancellationToken.None);
        Assert.NotNull(await harness.Store.GetAsync(Web, CancellationToken.None));

        clock.Now = clock.Now.AddHours(3); // the test cluster's data ended three hours ago
        await cycle.RunAsync(CancellationToken.None);

        Assert.Null(await harness.Store.GetAsync(Web, CancellationToken.None));
        Assert.Empty(await harness.Store.ListAsync(null, CancellationToken.None));
        Assert.Equal(0, cycle.TrackedWorkloads);
    }

    private static async Task WaitForRedisAsync(ProfilerHarness harness)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                await harness.Store.PingAsync(CancellationToken.None);
                return;
            }
            catch (RedisException)
            {
                await Task.Delay(200);
            }
        }
    }
}
