using StackExchange.Redis;

namespace Resorcerer.TestSupport.Redis;

/// <summary>What failover tests need around a topology: a master that has replicated, writes retried while it fails over.</summary>
public static class RedisFailover
{
    /// <summary>
    /// Waits until the master of the key has a replica that acknowledged every write so far. Replication is
    /// asynchronous: what a master took just before it died can be lost, and the profiler writes everything again
    /// after a failover for that reason; the tests that kill masters start from replicated data.
    /// </summary>
    public static async Task ReplicatedAsync(IConnectionMultiplexer redis, string key)
    {
        var master = redis.GetServer(redis.GetDatabase().IdentifyEndpoint(key)!);
        Xunit.Assert.True((long)await master.ExecuteAsync("WAIT", 1, 10000) >= 1, "no replica acknowledged the writes");
    }

    /// <summary>Retries a write until the store takes it again (a failover in progress), for at most a minute.</summary>
    public static async Task UntilWrittenAsync(Func<Task> write)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await write();
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}

/// <summary>A Sentinel set or a Cluster, started for a test, with what killing "the" master means for each.</summary>
public sealed class RedisTopology : IAsyncDisposable
{
    private readonly RedisSentinelSet? _sentinels;
    private readonly RedisClusterSet? _cluster;

    private RedisTopology(RedisSentinelSet? sentinels, RedisClusterSet? cluster) => (_sentinels, _cluster) = (sentinels, cluster);

    public string Configuration => _sentinels?.Configuration ?? _cluster!.Configuration;

    /// <summary>"sentinel" or "cluster".</summary>
    public static async Task<RedisTopology> StartAsync(string kind) => kind switch
    {
        "sentinel" => new RedisTopology(await RedisSentinelSet.StartAsync(), null),
        "cluster" => new RedisTopology(null, await RedisClusterSet.StartAsync()),
        _ => throw new ArgumentException($"unknown topology '{kind}'", nameof(kind)),
    };

    /// <summary>Kills the master that holds <paramref name="key"/> and waits until a replica has taken over.</summary>
    public async Task KillMasterAndWaitForFailoverAsync(string key, Func<Task>? whileFailingOver = null)
    {
        if (_sentinels is not null)
        {
            var old = await _sentinels.KillMasterAsync();
            if (whileFailingOver is not null)
            {
                await whileFailingOver();
            }

            await _sentinels.WaitForFailoverAsync(old);
        }
        else
        {
            var old = await _cluster!.KillMasterOfAsync(key);
            if (whileFailingOver is not null)
            {
                await whileFailingOver();
            }

            await _cluster.WaitForFailoverAsync(key, old);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sentinels is not null)
        {
            await _sentinels.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
