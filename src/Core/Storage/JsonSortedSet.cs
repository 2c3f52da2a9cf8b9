using System.Text.Json;
using StackExchange.Redis;

namespace Resorcerer.Storage;

/// <summary>
/// A log kept as a Redis sorted set of JSON members scored by Unix seconds, as the memory-pressure log and the
/// updater's action log are: written in one batch that also drops what is too old (and, with a cap, too many),
/// read back ignoring members that are not resorcerer's.
/// </summary>
public static class JsonSortedSet
{
    /// <summary>Adds the entries, drops those older than <paramref name="retention"/> before the newest, keeps at most <paramref name="keep"/>, and renews the key's expiry.</summary>
    public static async Task AddAsync<T>(IDatabase database, string key, IReadOnlyList<T> entries, Func<T, long> timestamp, TimeSpan retention, int? keep, CancellationToken cancellationToken)
    {
        var newest = entries.Max(timestamp);
        var batch = database.CreateBatch();
        var writes = new List<Task>
        {
            batch.SortedSetAddAsync(key, [.. entries.Select(e => new SortedSetEntry(JsonSerializer.Serialize(e), timestamp(e)))]),
            batch.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, newest - retention.TotalSeconds),
        };
        if (keep is { } most)
        {
            writes.Add(batch.SortedSetRemoveRangeByRankAsync(key, 0, -most - 1));
        }

        writes.Add(batch.KeyExpireAsync(key, retention));
        batch.Execute();
        await Task.WhenAll(writes).WaitAsync(cancellationToken);
    }

    /// <summary>The members that read as <typeparamref name="T"/>, in their order; others (not written by resorcerer) are skipped.</summary>
    public static IEnumerable<T> Parse<T>(IEnumerable<RedisValue> members)
        where T : class
    {
        foreach (var member in members)
        {
            T? entry;
            try
            {
                entry = JsonSerializer.Deserialize<T>(member.ToString());
            }
            catch (JsonException)
            {
                continue;
            }

            if (entry is not null)
            {
                yield return entry;
            }
        }
    }
}
