using Resorcerer.DevKit;
using Resorcerer.Storage;
using StackExchange.Redis;
using Xunit;

namespace Resorcerer.TestSupport;

/// <summary>One real Redis for a test class or collection.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private IRedisUnderTest? _redis;

    public IRedisUnderTest Redis => _redis ?? throw new InvalidOperationException("Redis is not started");

    public async Task InitializeAsync() => _redis = await TestServers.StartRedisAsync();

    /// <summary>A connection to the fixture's Redis, emptied first: each test starts from no keys.</summary>
    public async Task<ConnectionMultiplexer> ConnectEmptiedAsync()
    {
        var options = RedisSettings.Parse(Redis.Configuration);
        options.AllowAdmin = true;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        await connection.GetServers()[0].FlushAllDatabasesAsync();
        return connection;
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>A real Prometheus holding a test cluster's series, and a real Redis beside it.</summary>
public abstract class SeriesFixture(Func<DateTimeOffset, ClusterSeries> build) : IAsyncLifetime
{
    private IPrometheusUnderTest? _prometheus;
    private IRedisUnderTest? _redis;

    /// <summary>When the cluster's series end (two minutes before the fixture started).</summary>
    public DateTimeOffset End { get; } = DateTimeOffset.UtcNow.AddMinutes(-2);

    public IPrometheusUnderTest Prometheus => _prometheus ?? throw new InvalidOperationException("Prometheus is not started");

    public IRedisUnderTest Redis => _redis ?? throw new InvalidOperationException("Redis is not started");

    public async Task InitializeAsync()
    {
        var prometheus = TestServers.StartPrometheusAsync(build(End));
        var redis = TestServers.StartRedisAsync();
        _prometheus = await prometheus;
        _redis = await redis;
    }

    public async Task DisposeAsync()
    {
        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}

/// <summary>A real Prometheus holding <see cref="TestCluster"/>, and a real Redis beside it.</summary>
public sealed class ClusterFixture() : SeriesFixture(TestCluster.Build);

/// <summary>A real Prometheus holding <see cref="MeshCluster"/> (service-mesh traffic), and a real Redis beside it.</summary>
public sealed class MeshFixture() : SeriesFixture(MeshCluster.Build);

/// <summary>A real Prometheus holding <see cref="NodeCluster"/> (four nodes' load from three sources), and a real Redis beside it.</summary>
public sealed class NodeLoadFixture() : SeriesFixture(NodeCluster.Build);

/// <summary>A real Prometheus holding <see cref="HostileCluster"/> (bad readings), and a real Redis beside it.</summary>
public sealed class HostileFixture() : SeriesFixture(HostileCluster.Build);
