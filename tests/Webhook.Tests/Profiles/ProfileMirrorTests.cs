using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Webhook.Profiles;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Tests.Profiles;

/// <summary>The in-memory profiles against a real Redis, synced by hand.</summary>
public sealed class ProfileMirrorTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private RedisProfileStore _store = null!;

    public async Task InitializeAsync()
    {
        _redis = await fixture.ConnectEmptiedAsync();
        _store = new RedisProfileStore(_redis, NullLogger<RedisProfileStore>.Instance);
    }

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    internal static WorkloadProfile Profile(string ns, string name, long cpu = 250)
    {
        var seen = new UsageSummary(1, 1, 1, 1, 1, 1000, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow);
        return new WorkloadProfile
        {
            Workload = new WorkloadRef(ns, "Deployment", name),
            UpdatedAt = DateTimeOffset.UtcNow,
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile> { ["web"] = new(new ResourceProfile(cpu, 1, cpu, seen), null) },
        };
    }

    private static long? CpuOf(ProfileMirror mirror, string ns, string name) =>
        mirror.Get(new WorkloadRef(ns, "Deployment", name)).Profile?.Containers["web"].Cpu?.Target;

    [Fact]
    public async Task Before_a_first_sync_nothing_is_known_and_after_it_every_namespace_is_held()
    {
        await _store.PutAsync(Profile("shop", "web"), CancellationToken.None);
        await _store.PutAsync(Profile("bank", "ledger"), CancellationToken.None);
        var mirror = new ProfileMirror(_store);

        Assert.Equal(LookupStatus.Unavailable, mirror.Get(new WorkloadRef("shop", "Deployment", "web")).Status);

        var first = await mirror.SyncAsync(CancellationToken.None);

        Assert.Equal(new SyncResult(2, 2, 0), first);
        Assert.True(mirror.Loaded);
        Assert.Equal(LookupStatus.Found, mirror.Get(new WorkloadRef("bank", "Deployment", "ledger")).Status);
        Assert.Equal(LookupStatus.NotFound, mirror.Get(new WorkloadRef("shop", "Deployment", "absent")).Status);
    }

    [Fact]
    public async Task A_sync_reads_only_what_changed_and_follows_writes_changes_and_removals()
    {
        for (var i = 0; i < 20; i++)
        {
            await _store.PutAsync(Profile("shop", $"web{i}"), CancellationToken.None);
        }

        await _store.PutAsync(Profile("bank", "ledger"), CancellationToken.None);
        var mirror = new ProfileMirror(_store);
        await mirror.SyncAsync(CancellationToken.None);

        Assert.Equal(new SyncResult(0, 0, 0), await mirror.SyncAsync(CancellationToken.None));

        await _store.PutAsync(Profile("shop", "web3", cpu: 900), CancellationToken.None);
        Assert.Equal(new SyncResult(1, 1, 0), await mirror.SyncAsync(CancellationToken.None));
        Assert.Equal(900, CpuOf(mirror, "shop", "web3"));

        await _store.DeleteAsync(new WorkloadRef("shop", "Deployment", "web7"), CancellationToken.None);
        await _store.PutAsync(Profile("shop", "new"), CancellationToken.None);
        var mixed = await mirror.SyncAsync(CancellationToken.None);
        Assert.Equal((1, 1), (mixed.NamespacesRead, mixed.Removed));
        Assert.Equal(LookupStatus.NotFound, mirror.Get(new WorkloadRef("shop", "Deployment", "web7")).Status);
        Assert.Equal(LookupStatus.Found, mirror.Get(new WorkloadRef("shop", "Deployment", "new")).Status);
        Assert.Equal(21, mirror.Count);
        Assert.Equal(250, CpuOf(mirror, "bank", "ledger"));
    }

    [Fact]
    public async Task A_profile_removed_and_written_again_between_syncs_is_held_with_its_new_value()
    {
        await _store.PutAsync(Profile("shop", "web"), CancellationToken.None);
        var mirror = new ProfileMirror(_store);
        await mirror.SyncAsync(CancellationToken.None);

        await _store.DeleteAsync(new WorkloadRef("shop", "Deployment", "web"), CancellationToken.None);
        await _store.PutAsync(Profile("shop", "web", cpu: 40), CancellationToken.None);
        await mirror.SyncAsync(CancellationToken.None);

        Assert.Equal(40, CpuOf(mirror, "shop", "web"));
    }

    [Fact]
    public async Task An_unreadable_profile_is_not_served_and_not_read_again_until_it_changes()
    {
        await _store.PutAsync(Profile("shop", "web"), CancellationToken.None);
        await _store.PutAsync(Profile("shop", "other"), CancellationToken.None);
        var web = new WorkloadRef("shop", "Deployment", "web");
        await _redis.GetDatabase().StringSetAsync(RedisKeys.Profile(web), "{mangled");
        var mirror = new ProfileMirror(_store);

        await mirror.SyncAsync(CancellationToken.None);
        Assert.Equal(LookupStatus.NotFound, mirror.Get(web).Status);
        Assert.Equal(LookupStatus.Found, mirror.Get(new WorkloadRef("shop", "Deployment", "other")).Status);
        Assert.Equal(new SyncResult(0, 0, 0), await mirror.SyncAsync(CancellationToken.None));

        await _store.PutAsync(Profile("shop", "web", cpu: 77), CancellationToken.None);
        await mirror.SyncAsync(CancellationToken.None);
        Assert.Equal(77, CpuOf(mirror, "shop", "web"));
    }

    [Fact]
    public async Task With_redis_down_a_sync_throws_and_what_was_held_is_still_served()
    {
        await using var own = await TestServers.StartRedisAsync();
        var connection = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(own.Configuration, TimeSpan.FromMilliseconds(500)));
        await using var _ = connection;
        var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
        await store.PutAsync(Profile("shop", "web"), CancellationToken.None);
        var mirror = new ProfileMirror(store);
        await mirror.SyncAsync(CancellationToken.None);

        await own.StopAsync();

        await Assert.ThrowsAnyAsync<Exception>(() => mirror.SyncAsync(CancellationToken.None));
        Assert.Equal(LookupStatus.Found, mirror.Get(new WorkloadRef("shop", "Deployment", "web")).Status);
    }
}
