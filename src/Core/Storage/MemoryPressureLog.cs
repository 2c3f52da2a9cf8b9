using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace Resorcerer.Storage;

/// <summary>A container the memory guard found near its memory limit: where, when (Unix seconds) and its working set then.</summary>
public sealed record MemoryPressure(
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("pod")] string Pod,
    [property: JsonPropertyName("container")] string Container,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("workingSetBytes")] double WorkingSetBytes);

/// <summary>
/// Where the updater tells the profiler of memory pressure it acted on, so that the profile learns of it as of an
/// OOM kill (and the next pods start with more memory) instead of the guard firing again and again.
/// </summary>
public interface IMemoryPressureLog
{
    Task RecordAsync(IReadOnlyList<MemoryPressure> events, CancellationToken cancellationToken);

    /// <summary>The events in the namespaces after <paramref name="after"/> up to <paramref name="until"/> (Unix seconds).</summary>
    Task<IReadOnlyList<MemoryPressure>> ReadAsync(IReadOnlyList<string> namespaces, long after, long until, CancellationToken cancellationToken);
}

/// <summary>The log in Redis: one sorted set per namespace (<see cref="RedisKeys.MemoryPressure"/>), trimmed to 90 days.</summary>
public sealed class RedisMemoryPressureLog(IConnectionMultiplexer redis) : IMemoryPressureLog
{
    /// <summary>What is kept: the longest history a profile rests on.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    public async Task RecordAsync(IReadOnlyList<MemoryPressure> events, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        foreach (var group in events.GroupBy(e => e.Namespace))
        {
            await JsonSortedSet.AddAsync(database, RedisKeys.MemoryPressure(group.Key), [.. group], e => e.Timestamp, Retention, keep: null, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<MemoryPressure>> ReadAsync(IReadOnlyList<string> namespaces, long after, long until, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var reads = namespaces.Select(ns => database.SortedSetRangeByScoreAsync(RedisKeys.MemoryPressure(ns), after, until, Exclude.Start)).ToList();
        return [.. (await Task.WhenAll(reads).WaitAsync(cancellationToken)).SelectMany(JsonSortedSet.Parse<MemoryPressure>)];
    }
}
