using System.Text.Json.Serialization;
using StackExchange.Redis;
using Resorcerer.Workloads;

namespace Resorcerer.Storage;

/// <summary>
/// One thing the updater did to a running pod (or would have done, in a dry run): when (Unix seconds), to which pod
/// of which workload, what (<c>resize</c>, <c>evict</c>), why (the planner's reason), with what result (<c>done</c>,
/// <c>refused</c>, <c>failed</c>, <c>dry_run</c>) and the message it logged.
/// </summary>
public sealed record UpdateRecord(
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("workload")] string Workload,
    [property: JsonPropertyName("pod")] string Pod,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("result")] string Result,
    [property: JsonPropertyName("message")] string Message);

/// <summary>Where the updater keeps its recent actions, for the dashboard to show beside the profile they came from.</summary>
public interface IUpdateLog
{
    Task RecordAsync(string namespaceName, IReadOnlyList<UpdateRecord> records, CancellationToken cancellationToken);

    /// <summary>The workload's recorded actions, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<UpdateRecord>> ReadAsync(WorkloadRef workload, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// The log in Redis: one sorted set per namespace (<see cref="RedisKeys.Updates"/>) scored by Unix seconds, members
/// JSON, kept to the last <see cref="Retention"/> and the newest <see cref="MaxPerNamespace"/> actions.
/// </summary>
public sealed class RedisUpdateLog(IConnectionMultiplexer redis) : IUpdateLog
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(14);

    public const int MaxPerNamespace = 1000;

    public async Task RecordAsync(string namespaceName, IReadOnlyList<UpdateRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0)
        {
            return;
        }

        await JsonSortedSet.AddAsync(redis.GetDatabase(), RedisKeys.Updates(namespaceName), records, r => r.Timestamp, Retention, MaxPerNamespace, cancellationToken);
    }

    public async Task<IReadOnlyList<UpdateRecord>> ReadAsync(WorkloadRef workload, int limit, CancellationToken cancellationToken)
    {
        var members = await redis.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.Updates(workload.Namespace), 0, -1, Order.Descending).WaitAsync(cancellationToken);
        var name = workload.ToString();
        return [.. JsonSortedSet.Parse<UpdateRecord>(members).Where(r => r.Workload == name).Take(limit)];
    }
}
