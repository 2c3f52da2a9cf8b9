using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Core.Tests.Profiles;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport.Redis;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Core.Tests.Storage;

/// <summary>The profile store on Redis as users run it: an ACL user, TLS and mutual TLS, Sentinel, Cluster.</summary>
public sealed class RedisTopologyTests : IAsyncLifetime
{
    private string _directory = null!;

    public Task InitializeAsync()
    {
        _directory = Directory.CreateTempSubdirectory("resorcerer-topology-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }

    private static WorkloadProfile In(string ns, string name) => ProfileJsonTests.Sample() with { Workload = new WorkloadRef(ns, "Deployment", name) };

    /// <summary>Puts, reads back, lists, follows and removes profiles: what the programs do with the store.</summary>
    internal static async Task ExerciseAsync(IConnectionMultiplexer redis, params string[] namespaces)
    {
        var store = new RedisProfileStore(redis, NullLogger<RedisProfileStore>.Instance) { WriteV1 = true };
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await store.SubscribeAsync(ns => heard.TrySetResult(ns), CancellationToken.None);
        foreach (var ns in namespaces)
        {
            await store.PutAsync(In(ns, "web"), CancellationToken.None);
            await store.PutAsync(In(ns, "api"), CancellationToken.None);
        }

        Assert.Equal(namespaces.Length * 2, (await store.ListAsync(null, CancellationToken.None)).Count);
        var all = namespaces.SelectMany(ns => new[] { new WorkloadRef(ns, "Deployment", "web"), new WorkloadRef(ns, "Deployment", "api") }).ToList();
        Assert.Equal(all, (await store.GetManyAsync(all, CancellationToken.None)).Select(p => p?.Workload));
        var index = await store.ReadIndexAsync(namespaces[0], 1, CancellationToken.None);
        Assert.Equal((2L, 2L), (index.ChangeCount, index.Count));
        Assert.Single(index.Entries);
        Assert.Contains(await heard.Task.WaitAsync(TimeSpan.FromSeconds(30)), namespaces);

        await store.DeleteAsync(all[0], CancellationToken.None);
        Assert.Null(await store.GetAsync(all[0], CancellationToken.None));
    }

    [Fact]
    public async Task An_acl_user_limited_to_resorcerers_keys_does_all_the_store_needs_and_nothing_else()
    {
        await using var server = await RedisProcess.ServerAsync(_directory, ServerProcess.FreePort());
        Assert.Contains("OK", await server.CliAsync(RedisAcl.SetUser("resorcerer", "s3cret")), StringComparison.Ordinal);
        await server.CliAsync("ACL", "SETUSER", "default", "off");

        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse($"127.0.0.1:{server.Port},user=resorcerer,password=s3cret"));
        await ExerciseAsync(redis, "shop", "bank");

        var refused = await Assert.ThrowsAsync<RedisServerException>(() => redis.GetDatabase().StringSetAsync("someone-else:key", "x"));
        Assert.StartsWith("NOPERM", refused.Message, StringComparison.Ordinal);

        await using var wrong = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse($"127.0.0.1:{server.Port},user=resorcerer,password=wrong,connectTimeout=1000"));
        var failure = await Assert.ThrowsAnyAsync<RedisException>(() => wrong.GetDatabase().PingAsync());
        Assert.StartsWith("Redis refused the credentials", RedisSettings.Describe(failure), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Over_tls_with_a_private_ca_and_with_client_certificates(bool mutual)
    {
        using var ca = new TestCertificateAuthority(Path.Combine(_directory, "pki"));
        var (serverCert, serverKey) = ca.IssueServer("redis");
        var tlsPort = ServerProcess.FreePort();
        await using var server = await RedisProcess.ServerAsync(Path.Combine(_directory, "data"), ServerProcess.FreePort(),
            "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--tls-cert-file", serverCert, "--tls-key-file", serverKey,
            "--tls-ca-cert-file", ca.CaFile, "--tls-auth-clients", mutual ? "yes" : "no");
        var configuration = $"127.0.0.1:{tlsPort},sslCaFile={ca.CaFile},connectTimeout=2000";
        if (mutual)
        {
            var (clientCert, clientKey) = ca.IssueClient("profiler");
            Assert.Null(RedisSettings.Check(configuration));
            await using (var withoutCertificate = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(configuration)))
            {
                Assert.False(withoutCertificate.IsConnected);
            }

            configuration += $",sslCertFile={clientCert},sslKeyFile={clientKey}";
        }

        Assert.Null(RedisSettings.Check(configuration));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(configuration));
        await ExerciseAsync(redis, "shop");

        await using var plain = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse($"127.0.0.1:{tlsPort},connectTimeout=1000"));
        Assert.False(plain.IsConnected);
    }

    [Fact]
    public async Task Through_sentinels_the_store_finds_the_master_and_follows_a_failover()
    {
        await using var sentinels = await RedisSentinelSet.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(sentinels.Configuration));
        await ExerciseAsync(redis, "shop");
        var store = new RedisProfileStore(redis, NullLogger<RedisProfileStore>.Instance);
        var epoch = store.Epoch;
        await RedisFailover.ReplicatedAsync(redis, RedisKeys.ProfileIndex("shop"));

        var old = await sentinels.KillMasterAsync();
        await sentinels.WaitForFailoverAsync(old);
        await RedisFailover.UntilWrittenAsync(() => store.PutAsync(In("shop", "after"), CancellationToken.None));

        Assert.NotEqual(old, await sentinels.MasterPortAsync());
        Assert.NotNull(await store.GetAsync(new WorkloadRef("shop", "Deployment", "api"), CancellationToken.None));
        Assert.NotNull(await store.GetAsync(new WorkloadRef("shop", "Deployment", "after"), CancellationToken.None));
        Assert.True(store.Epoch > epoch, "the failover did not raise the store's epoch");
    }

    [Fact]
    public async Task On_a_cluster_each_namespace_stays_in_its_slot_v1_is_turned_off_and_a_failover_is_followed()
    {
        await using var cluster = await RedisClusterSet.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(cluster.Configuration));
        string[] namespaces = ["shop", "bank", "ads", "search", "payments"];
        await ExerciseAsync(redis, namespaces);

        // The server's own hash: a namespace's keys in one slot; the namespaces over several.
        var web = new WorkloadRef("shop", "Deployment", "web");
        var slots = new[] { RedisKeys.Profile(web), RedisKeys.ProfileIndex("shop"), RedisKeys.ChangeCount("shop") };
        Assert.Single((await Task.WhenAll(slots.Select(cluster.SlotOfAsync))).Distinct());
        Assert.True((await Task.WhenAll(namespaces.Select(ns => cluster.SlotOfAsync(RedisKeys.ProfileIndex(ns))))).Distinct().Count() > 1);
        Assert.False(await redis.GetDatabase().KeyExistsAsync(RedisKeys.V1.Profile(web)));

        var store = new RedisProfileStore(redis, NullLogger<RedisProfileStore>.Instance);
        await RedisFailover.ReplicatedAsync(redis, RedisKeys.ProfileIndex("shop"));
        var old = await cluster.KillMasterOfAsync(RedisKeys.ProfileIndex("shop"));
        await cluster.WaitForFailoverAsync(RedisKeys.ProfileIndex("shop"), old);
        await RedisFailover.UntilWrittenAsync(() => store.PutAsync(In("shop", "after"), CancellationToken.None));

        Assert.NotNull(await store.GetAsync(new WorkloadRef("shop", "Deployment", "api"), CancellationToken.None));
        Assert.NotNull(await store.GetAsync(new WorkloadRef("shop", "Deployment", "after"), CancellationToken.None));
        Assert.Equal(namespaces.Length * 2, (await store.ListAsync(null, CancellationToken.None)).Count);
    }
}
