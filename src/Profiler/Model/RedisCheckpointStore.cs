using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace Resorcerer.Profiler.Model;

/// <summary>
/// Checkpoints in Redis through the distributed cache, under <c>resorcerer:v1:checkpoint:</c>. They are the
/// profiler's private state (not part of the public schema) and expire when not refreshed for twice the history.
/// </summary>
public sealed class RedisCheckpointStore(IDistributedCache cache, IOptions<ProfilerOptions> options) : ICheckpointStore
{
    public const string Prefix = "resorcerer:v1:checkpoint:";

    public Task<byte[]?> LoadAsync(string key, CancellationToken cancellationToken) => cache.GetAsync(key, cancellationToken);

    public Task SaveAsync(string key, byte[] data, CancellationToken cancellationToken) =>
        cache.SetAsync(key, data, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = options.Value.History.Value * 2 }, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => cache.RemoveAsync(key, cancellationToken);
}
