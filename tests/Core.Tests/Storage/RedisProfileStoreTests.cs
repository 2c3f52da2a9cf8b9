using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Core.Tests.Profiles;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Core.Tests.Storage;

public sealed class RedisProfileStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private RedisProfileStore _store = null!;

    public async Task InitializeAsync()
    {
        _redis = await fixture.ConnectEmptiedAsync();
        _store = new RedisProfileStore(_redis, NullLogger<RedisProfileStore>.Instance);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private static WorkloadProfile In(string ns, string kind, string name) =>
        ProfileJsonTests.Sample() with { Workload = new WorkloadRef(ns, kind, name) };

    [Fact]
    public async Task Stores_a_profile_under_the_documented_v2_keys_with_a_change_number()
    {
        var profile = ProfileJsonTests.Sample();
        await _store.PutAsync(profile, CancellationToken.None);
        await _store.PutAsync(profile, CancellationToken.None);

        var database = _redis.GetDatabase();
        var raw = await database.StringGetAsync("resorcerer:v2:{shop}:profile:Deployment/web");
        Assert.False(raw.IsNullOrEmpty);
        Assert.Equal(profile.Workload, ProfileJson.Deserialize(raw.ToString()).Workload);
        Assert.Equal(2, await database.SortedSetScoreAsync("resorcerer:v2:{shop}:profiles", "shop/Deployment/web"));
        Assert.Equal("2", (string?)await database.StringGetAsync("resorcerer:v2:{shop}:changes"));
        Assert.True(await database.SetContainsAsync("resorcerer:v2:namespaces", "shop"));

        var read = await _store.GetAsync(profile.Workload, CancellationToken.None);
        Assert.Equal(profile.Containers["web"], read!.Containers["web"]);
    }

    [Fact]
    public async Task Lists_workloads_by_namespace_and_misses_cleanly()
    {
        await _store.PutAsync(ProfileJsonTests.Sample(), CancellationToken.None);
        await _store.PutAsync(In("bank", "StatefulSet", "ledger"), CancellationToken.None);

        Assert.Equal(2, (await _store.ListAsync(null, CancellationToken.None)).Count);
        Assert.Equal([new WorkloadRef("bank", "StatefulSet", "ledger")], await _store.ListAsync("bank", CancellationToken.None));
        Assert.Null(await _store.GetAsync(new WorkloadRef("shop", "Deployment", "absent"), CancellationToken.None));
    }

    [Fact]
    public async Task The_index_reads_what_was_written_after_a_change_number_and_removals_count()
    {
        await _store.PutAsync(In("shop", "Deployment", "a"), CancellationToken.None);
        await _store.PutAsync(In("shop", "Deployment", "b"), CancellationToken.None);
        await _store.PutAsync(In("shop", "Deployment", "a"), CancellationToken.None);

        var after1 = await _store.ReadIndexAsync("shop", 1, CancellationToken.None);
        Assert.Equal(3, after1.ChangeCount);
        Assert.Equal(2, after1.Count);
        Assert.Equal([new IndexEntry(new("shop", "Deployment", "b"), 2), new IndexEntry(new("shop", "Deployment", "a"), 3)], after1.Entries);

        await _store.DeleteAsync(new WorkloadRef("shop", "Deployment", "b"), CancellationToken.None);
        await _store.DeleteAsync(new WorkloadRef("shop", "Deployment", "never"), CancellationToken.None);
        var after3 = await _store.ReadIndexAsync("shop", 3, CancellationToken.None);
        Assert.Equal((4L, 1L), (after3.ChangeCount, after3.Count)); // removing what is not there changes nothing
        Assert.Empty(after3.Entries);
        Assert.Equal([4L, 0L], await _store.ChangeCountsAsync(["shop", "elsewhere"], CancellationToken.None));
    }

    [Fact]
    public async Task Reads_many_profiles_across_namespaces_in_order()
    {
        await _store.PutAsync(In("shop", "Deployment", "a"), CancellationToken.None);
        await _store.PutAsync(In("bank", "Deployment", "b"), CancellationToken.None);

        var read = await _store.GetManyAsync([new("bank", "Deployment", "b"), new("shop", "Deployment", "none"), new("shop", "Deployment", "a")], CancellationToken.None);

        Assert.Equal([new WorkloadRef("bank", "Deployment", "b"), null, new WorkloadRef("shop", "Deployment", "a")], read.Select(p => p?.Workload));
    }

    [Fact]
    public async Task An_unreadable_stored_value_reads_as_absent()
    {
        var workload = new WorkloadRef("shop", "Deployment", "mangled");
        await _redis.GetDatabase().StringSetAsync(RedisKeys.Profile(workload), "{not json");
        Assert.Null(await _store.GetAsync(workload, CancellationToken.None));
        Assert.Null((await _store.GetManyAsync([workload], CancellationToken.None))[0]);
    }

    [Fact]
    public async Task With_v1_keys_on_the_v1_layout_is_written_and_removed_too()
    {
        var store = new RedisProfileStore(_redis, NullLogger<RedisProfileStore>.Instance) { WriteV1 = true };
        var profile = ProfileJsonTests.Sample();
        await store.PutAsync(profile, CancellationToken.None);

        var database = _redis.GetDatabase();
        Assert.Equal(profile.Workload, ProfileJson.Deserialize((await database.StringGetAsync("resorcerer:v1:profile:shop/Deployment/web")).ToString()).Workload);
        Assert.Equal(profile.UpdatedAt.ToUnixTimeSeconds(), await database.SortedSetScoreAsync("resorcerer:v1:profiles", "shop/Deployment/web"));

        await store.DeleteAsync(profile.Workload, CancellationToken.None);
        Assert.False(await database.KeyExistsAsync("resorcerer:v1:profile:shop/Deployment/web"));
        Assert.Null(await database.SortedSetScoreAsync("resorcerer:v1:profiles", "shop/Deployment/web"));
        Assert.False(await database.KeyExistsAsync(RedisKeys.Profile(profile.Workload)));
    }

    [Fact]
    public async Task The_upgrade_copies_v1_profiles_that_v2_lacks_and_leaves_newer_ones()
    {
        var database = _redis.GetDatabase();
        var old = In("shop", "Deployment", "old") with { Strategy = "from-v1" };
        var both = In("shop", "Deployment", "both") with { Strategy = "from-v1" };
        foreach (var profile in new[] { old, both })
        {
            await database.StringSetAsync(RedisKeys.V1.Profile(profile.Workload), ProfileJson.Serialize(profile));
            await database.SortedSetAddAsync(RedisKeys.V1.ProfileIndex, profile.Workload.ToString(), profile.UpdatedAt.ToUnixTimeSeconds());
        }

        await _store.PutAsync(both with { Strategy = "from-v2" }, CancellationToken.None);

        Assert.Equal(1, await _store.UpgradeAsync(CancellationToken.None));
        Assert.Equal(0, await _store.UpgradeAsync(CancellationToken.None));
        Assert.Equal("from-v1", (await _store.GetAsync(old.Workload, CancellationToken.None))!.Strategy);
        Assert.Equal("from-v2", (await _store.GetAsync(both.Workload, CancellationToken.None))!.Strategy);
        Assert.True(await database.KeyExistsAsync(RedisKeys.V1.Profile(old.Workload)));
    }

    [Fact]
    public async Task Writers_are_announced_on_the_changes_channel()
    {
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _store.SubscribeAsync(ns => heard.TrySetResult(ns), CancellationToken.None);

        await _store.PutAsync(In("bank", "Deployment", "b"), CancellationToken.None);

        Assert.Equal("bank", await heard.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
