using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>Learned state is never replaced by a thinner one: Redis stalls, corrupt values and changed settings, against the real servers.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CheckpointSafetyTests(ClusterFixture cluster)
{
    // Every run ends at the same time: series read past the end of the data go on for a few minutes (Prometheus
    // looks back 5 minutes), so runs ending at different times of the wall clock would read different tails.
    private MovableTime Final => new(cluster.End.AddMinutes(10));

    private const string WebKey = RedisCheckpointStore.Prefix + "shop/Deployment/web";

    /// <summary>Passes everything to the real store, and freezes the real Redis (SIGSTOP) just before the first workload's checkpoint is read.</summary>
    private sealed class FreezesRedisOnRestore(ICheckpointStore real, IRedisUnderTest redis) : ICheckpointStore
    {
        public bool Frozen { get; private set; }

        public async Task<byte[]?> LoadAsync(string key, CancellationToken cancellationToken)
        {
            if (key != CursorStore.Key && !Frozen)
            {
                Frozen = true;
                await redis.PauseAsync();
            }

            return await real.LoadAsync(key, cancellationToken);
        }

        public Task SaveAsync(string key, byte[] data, CancellationToken cancellationToken) => real.SaveAsync(key, data, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => real.DeleteAsync(key, cancellationToken);

        public Task<string> MoveAsideAsync(string key, CancellationToken cancellationToken) => real.MoveAsideAsync(key, cancellationToken);
    }

    /// <summary>Every profile one cycle over all the data writes, without updatedAt (the one thing that may differ).</summary>
    private static async Task<Dictionary<string, string>> ProfilesAsync(ProfilerHarness harness)
    {
        var profiles = new Dictionary<string, string>();
        foreach (var workload in await harness.Store.ListAsync(null, CancellationToken.None))
        {
            var profile = (await harness.Store.GetAsync(workload, CancellationToken.None))!;
            profiles[workload.ToString()] = ProfileJson.Serialize(profile with { UpdatedAt = DateTimeOffset.UnixEpoch });
        }

        return profiles;
    }

    private async Task<Dictionary<string, string>> OneCycleOverEverythingAsync(string strategy)
    {
        await using var harness = new ProfilerHarness(cluster, o => o.Strategy = strategy);
        await harness.FlushRedisAsync();
        await harness.NewCycle(clock: Final).RunAsync(CancellationToken.None);
        var profiles = await ProfilesAsync(harness);
        await harness.FlushRedisAsync();
        return profiles;
    }

    [Fact]
    public async Task A_redis_that_stalls_during_the_restore_leaves_every_checkpoint_as_it_was()
    {
        var expected = await OneCycleOverEverythingAsync("resorcerer");
        await using var harness = new ProfilerHarness(cluster, o => o.Redis += ",asyncTimeout=500,syncTimeout=500");
        await harness.FlushRedisAsync();
        await harness.NewCycle(clock: new MovableTime(cluster.End.AddHours(-1))).RunAsync(CancellationToken.None);
        var database = harness.Redis.GetDatabase();
        var before = (byte[])(await database.HashGetAsync(WebKey, "data"))!;

        // A new process: its first reads of checkpoints meet a frozen Redis and time out.
        var freezing = new FreezesRedisOnRestore(harness.Checkpoints, cluster.Redis);
        var cycle = harness.NewCycle(checkpoints: freezing, clock: Final);
        CycleReport stalled;
        try
        {
            stalled = await cycle.RunAsync(CancellationToken.None);
        }
        finally
        {
            await cluster.Redis.ResumeAsync();
        }

        Assert.True(freezing.Frozen);
        Assert.Equal(5, stalled.WaitingForCheckpoint); // agent, db, legacy, thin and web
        Assert.Empty(stalled.Written);
        await Eventually.HoldsAsync(async () => await IsAnsweringAsync(harness), "Redis to answer again");
        Assert.Equal(before, (byte[])(await database.HashGetAsync(WebKey, "data"))!);

        // Redis answers again: the checkpoints are restored, what was held is folded in, nothing is lost.
        var recovered = await cycle.RunAsync(CancellationToken.None);
        Assert.Equal(0, recovered.WaitingForCheckpoint);
        Assert.Equal(expected, await ProfilesAsync(harness));
    }

    [Theory]
    [InlineData("garbage in the checkpoint")]
    [InlineData("a value of another type at its key")]
    public async Task An_unreadable_checkpoint_is_kept_aside_and_the_workload_learned_again_from_its_history(string corruption)
    {
        var expected = await OneCycleOverEverythingAsync("resorcerer");
        await using var harness = new ProfilerHarness(cluster);
        await harness.FlushRedisAsync();
        await harness.NewCycle(clock: new MovableTime(cluster.End.AddHours(-1))).RunAsync(CancellationToken.None);
        var database = harness.Redis.GetDatabase();
        if (corruption.StartsWith("garbage", StringComparison.Ordinal))
        {
            await database.HashSetAsync(WebKey, "data", "not a checkpoint");
        }
        else
        {
            await database.KeyDeleteAsync(WebKey);
            await database.StringSetAsync(WebKey, "not a checkpoint");
        }

        var relearned = await harness.NewCycle(clock: Final).RunAsync(CancellationToken.None);

        Assert.Equal(0, relearned.PendingWrites); // the relearned state is saved in the unreadable one's place
        var aside = RedisCheckpointStore.AsidePrefix + "shop/Deployment/web";
        var kept = await database.KeyTypeAsync(aside) == RedisType.Hash ? await database.HashGetAsync(aside, "data") : await database.StringGetAsync(aside);
        Assert.Equal("not a checkpoint", kept.ToString());
        Assert.True(await database.KeyTimeToLiveAsync(aside) > TimeSpan.FromDays(29));
        Assert.Equal(expected, await ProfilesAsync(harness)); // web from all of its history; the others unchanged by the second read
    }

    [Fact]
    public async Task A_checkpoint_made_with_another_strategy_is_learned_again_from_the_history()
    {
        var expected = await OneCycleOverEverythingAsync("resorcerer");
        await using (var vpa = new ProfilerHarness(cluster, o => o.Strategy = "vpa"))
        {
            await vpa.FlushRedisAsync();
            await vpa.NewCycle(clock: new MovableTime(cluster.End.AddHours(-1))).RunAsync(CancellationToken.None);
        }

        await using var harness = new ProfilerHarness(cluster, o => o.Strategy = "resorcerer");
        await harness.NewCycle(clock: Final).RunAsync(CancellationToken.None);

        Assert.Equal(expected, await ProfilesAsync(harness));
    }

    private static async Task<bool> IsAnsweringAsync(ProfilerHarness harness)
    {
        try
        {
            await harness.Store.PingAsync(CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return false;
        }
    }
}
