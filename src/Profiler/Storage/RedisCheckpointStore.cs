using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Storage;

/// <summary>
/// Checkpoints in Redis through the distributed cache, under <c>resorcerer:v1:checkpoint:</c>. They are the
/// profiler's private state (not part of the public schema) and expire when not refreshed for twice the history.
/// Unreadable ones are copied to <c>resorcerer:v1:checkpoint:unreadable:KEY</c> (kept for 30 days) before they are relearned.
/// </summary>
public sealed class RedisCheckpointStore(IDistributedCache cache, IConnectionMultiplexer redis, IOptions<ProfilerOptions> options) : ICheckpointStore
{
    public const string Prefix = "resorcerer:v1:checkpoint:";
    public const string AsidePrefix = Prefix + "unreadable:";
    private static readonly TimeSpan KeptAside = TimeSpan.FromDays(30);

    /// <summary>The store over a connection already made, with the distributed cache laid over it.</summary>
    public static RedisCheckpointStore Create(IConnectionMultiplexer redis, IOptions<ProfilerOptions> options) => new(
        new Microsoft.Extensions.Caching.StackExchangeRedis.RedisCache(Options.Create(new Microsoft.Extensions.Caching.StackExchangeRedis.RedisCacheOptions
        {
            InstanceName = Prefix,
            ConnectionMultiplexerFactory = () => Task.FromResult(redis),
        })),
        redis,
        options);

    public async Task<byte[]?> LoadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await cache.GetAsync(key, cancellationToken);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{Prefix}{key} holds a value of another type than the checkpoint's hash", e);
        }
    }

    public Task SaveAsync(string key, byte[] data, CancellationToken cancellationToken) =>
        cache.SetAsync(key, data, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.Value.History.Value * 2 }, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(key, cancellationToken);

    /// <summary>A copy by DUMP and RESTORE, whatever the value's type (the two keys may live in different slots of a cluster); then the original goes.</summary>
    public async Task<string> MoveAsideAsync(string key, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var aside = AsidePrefix + key;
        if (await database.KeyDumpAsync(Prefix + key) is { } dump)
        {
            await database.KeyDeleteAsync(aside);
            await database.KeyRestoreAsync(aside, dump, KeptAside);

            // Out of the way: a value of another type at the key would refuse every save of the relearned state.
            await database.KeyDeleteAsync(Prefix + key);
        }

        return aside;
    }
}
