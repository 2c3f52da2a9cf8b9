using Microsoft.Extensions.Logging;
using Resorcerer.Profiles;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Storage;

/// <summary>Profiles in Redis, one JSON string per workload plus an index (see <see cref="RedisKeys"/>).</summary>
public sealed class RedisProfileStore(IConnectionMultiplexer redis, ILogger<RedisProfileStore> logger) : IProfileStore
{
    public async Task<WorkloadProfile?> GetAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        var value = await redis.GetDatabase().StringGetAsync(RedisKeys.Profile(workload)).WaitAsync(cancellationToken);
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return ProfileJson.Deserialize(value.ToString());
        }
        catch (System.Text.Json.JsonException e)
        {
            // A profile another writer mangled must not take the reader down: treat it as absent.
            logger.LogWarning("Ignoring unreadable profile at {Key}: {Error}", RedisKeys.Profile(workload), e.Message);
            return null;
        }
    }

    public async Task PutAsync(WorkloadProfile profile, CancellationToken cancellationToken)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StringSetAsync(RedisKeys.Profile(profile.Workload), ProfileJson.Serialize(profile));
        _ = transaction.SortedSetAddAsync(RedisKeys.ProfileIndex, profile.Workload.ToString(), profile.UpdatedAt.ToUnixTimeSeconds());
        if (!await transaction.ExecuteAsync().WaitAsync(cancellationToken))
        {
            throw new RedisException($"Redis did not commit the profile of {profile.Workload}.");
        }
    }

    public async Task<IReadOnlyList<WorkloadRef>> ListAsync(string? namespaceName, CancellationToken cancellationToken)
    {
        var members = await redis.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.ProfileIndex).WaitAsync(cancellationToken);
        return members
            .Select(member => WorkloadRef.TryParse(member.ToString(), out var workload) ? workload : null)
            .OfType<WorkloadRef>()
            .Where(workload => namespaceName is null || workload.Namespace == namespaceName)
            .ToList();
    }

    public async Task DeleteAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.KeyDeleteAsync(RedisKeys.Profile(workload));
        _ = transaction.SortedSetRemoveAsync(RedisKeys.ProfileIndex, workload.ToString());
        await transaction.ExecuteAsync().WaitAsync(cancellationToken);
    }

    public Task PingAsync(CancellationToken cancellationToken) =>
        redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
}
