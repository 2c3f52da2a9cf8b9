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
        var options = RedisSettings.Parse(fixture.Redis.Configuration);
        options.AllowAdmin = true;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
        await _redis.GetServers()[0].FlushAllDatabasesAsync();
        _store = new RedisProfileStore(_redis, NullLogger<RedisProfileStore>.Instance);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Stores_a_profile_under_the_documented_keys()
    {
        var profile = ProfileJsonTests.Sample();
        await _store.PutAsync(profile, CancellationToken.None);

        var database = _redis.GetDatabase();
        var raw = await database.StringGetAsync("resorcerer:v1:profile:shop/Deployment/web");
        Assert.False(raw.IsNullOrEmpty);
        Assert.Equal(profile.Workload, ProfileJson.Deserialize(raw.ToString()).Workload);
        Assert.Equal(profile.UpdatedAt.ToUnixTimeSeconds(), await database.SortedSetScoreAsync("resorcerer:v1:profiles", "shop/Deployment/web"));

        var read = await _store.GetAsync(profile.Workload, CancellationToken.None);
        Assert.Equal(profile.Containers["web"], read!.Containers["web"]);
    }

    [Fact]
    public async Task Lists_workloads_by_namespace_and_misses_cleanly()
    {
        await _store.PutAsync(ProfileJsonTests.Sample(), CancellationToken.None);
        await _store.PutAsync(ProfileJsonTests.Sample() with { Workload = new WorkloadRef("bank", "StatefulSet", "ledger") }, CancellationToken.None);

        Assert.Equal(2, (await _store.ListAsync(null, CancellationToken.None)).Count);
        Assert.Equal([new WorkloadRef("bank", "StatefulSet", "ledger")], await _store.ListAsync("bank", CancellationToken.None));
        Assert.Null(await _store.GetAsync(new WorkloadRef("shop", "Deployment", "absent"), CancellationToken.None));
    }

    [Fact]
    public async Task An_unreadable_stored_value_reads_as_absent()
    {
        var workload = new WorkloadRef("shop", "Deployment", "mangled");
        await _redis.GetDatabase().StringSetAsync(RedisKeys.Profile(workload), "{not json");
        Assert.Null(await _store.GetAsync(workload, CancellationToken.None));
    }
}
