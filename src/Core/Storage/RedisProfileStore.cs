using System.Globalization;
using Microsoft.Extensions.Logging;
using Resorcerer.Profiles;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Storage;

/// <summary>
/// Profiles in Redis (see <see cref="RedisKeys"/>): per namespace, one JSON string per workload, an index scored by
/// change number and a change counter, written together by one script in the namespace's hash slot. With
/// <see cref="WriteV1"/> the v1 keys are written too, for readers that have not moved.
/// </summary>
public sealed class RedisProfileStore : IProfileStore, IProfileFeed
{
    private const int Batch = 256;

    // KEYS: profile, index, counter. ARGV: JSON, member. The change number orders every write of the namespace.
    private const string PutScript =
        """
        local change = redis.call('INCR', KEYS[3])
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('ZADD', KEYS[2], change, ARGV[2])
        return change
        """;

    // KEYS: profile, index, counter. ARGV: member. Only a removal that removed something is a change.
    private const string DeleteScript =
        """
        local removed = redis.call('DEL', KEYS[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
        if removed == 0 then return 0 end
        return redis.call('INCR', KEYS[3])
        """;

    // KEYS: index, counter. ARGV: change number. One moment's counter, size and the members written after it.
    private const string ReadIndexScript =
        """
        local count = redis.call('GET', KEYS[2]) or '0'
        local size = redis.call('ZCARD', KEYS[1])
        local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
        return {count, size, entries}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<RedisProfileStore> _logger;
    private int _v1Refused;
    private long _epoch;

    public RedisProfileStore(IConnectionMultiplexer redis, ILogger<RedisProfileStore> logger)
    {
        _redis = redis;
        _logger = logger;

        // A connection that comes back, or a master that changed, may have lost the last writes (replication is asynchronous).
        redis.ConnectionRestored += (_, _) => Interlocked.Increment(ref _epoch);
        redis.ConfigurationChanged += (_, _) => Interlocked.Increment(ref _epoch);
    }

    public long Epoch => Interlocked.Read(ref _epoch);

    public Task<int> UpgradeAsync(CancellationToken cancellationToken) => MigrateV1Async(cancellationToken);

    /// <summary>Also write (and remove) the v1 keys. Turned off by itself on a Redis Cluster, where v1's transaction spans slots.</summary>
    public bool WriteV1 { get; init; }

    public async Task<WorkloadProfile?> GetAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        var value = await _redis.GetDatabase().StringGetAsync(RedisKeys.Profile(workload)).WaitAsync(cancellationToken);
        return Read(workload, value);
    }

    public async Task PutAsync(WorkloadProfile profile, CancellationToken cancellationToken)
    {
        var database = _redis.GetDatabase();
        var workload = profile.Workload;
        var json = ProfileJson.Serialize(profile);
        await WriteV2Async(database, workload, json, cancellationToken);
        if (WriteV1 && Volatile.Read(ref _v1Refused) == 0)
        {
            await WriteV1Async(database, workload, transaction =>
            {
                _ = transaction.StringSetAsync(RedisKeys.V1.Profile(workload), json);
                _ = transaction.SortedSetAddAsync(RedisKeys.V1.ProfileIndex, workload.ToString(), profile.UpdatedAt.ToUnixTimeSeconds());
            }, cancellationToken);
        }

        Announce(workload.Namespace);
    }

    public async Task<IReadOnlyList<WorkloadRef>> ListAsync(string? namespaceName, CancellationToken cancellationToken)
    {
        var namespaces = namespaceName is null ? await NamespacesAsync(cancellationToken) : [namespaceName];
        var database = _redis.GetDatabase();
        var members = await Task.WhenAll(namespaces.Select(ns => database.SortedSetRangeByRankAsync(RedisKeys.ProfileIndex(ns))))
            .WaitAsync(cancellationToken);
        return members.SelectMany(m => m)
            .Select(member => WorkloadRef.TryParse(member.ToString(), out var workload) ? workload : null)
            .OfType<WorkloadRef>()
            .Where(workload => namespaceName is null || workload.Namespace == namespaceName)
            .OrderBy(workload => workload.ToString(), StringComparer.Ordinal)
            .ToList();
    }

    public async Task DeleteAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        var database = _redis.GetDatabase();
        await database.ScriptEvaluateAsync(DeleteScript, NamespaceKeys(workload), [workload.ToString()]).WaitAsync(cancellationToken);
        if (WriteV1 && Volatile.Read(ref _v1Refused) == 0)
        {
            await WriteV1Async(database, workload, transaction =>
            {
                _ = transaction.KeyDeleteAsync(RedisKeys.V1.Profile(workload));
                _ = transaction.SortedSetRemoveAsync(RedisKeys.V1.ProfileIndex, workload.ToString());
            }, cancellationToken);
        }

        Announce(workload.Namespace);
    }

    public Task PingAsync(CancellationToken cancellationToken) =>
        _redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);

    public async Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken)
    {
        var members = await _redis.GetDatabase().SetMembersAsync(RedisKeys.Namespaces).WaitAsync(cancellationToken);
        return members.Select(m => m.ToString()).Where(WorkloadNaming.IsNamespaceName).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<IReadOnlyList<long>> ChangeCountsAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken)
    {
        var database = _redis.GetDatabase();
        var values = await Task.WhenAll(namespaces.Select(ns => database.StringGetAsync(RedisKeys.ChangeCount(ns)))).WaitAsync(cancellationToken);
        return values.Select(v => v.TryParse(out long count) ? count : 0).ToList();
    }

    public async Task<IndexRead> ReadIndexAsync(string namespaceName, long after, CancellationToken cancellationToken)
    {
        var result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(
            ReadIndexScript,
            [RedisKeys.ProfileIndex(namespaceName), RedisKeys.ChangeCount(namespaceName)],
            [after]).WaitAsync(cancellationToken))!;
        var pairs = (RedisResult[])result[2]!;
        var entries = new List<IndexEntry>(pairs.Length / 2);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            if (WorkloadRef.TryParse(pairs[i].ToString(), out var workload) && workload.Namespace == namespaceName
                && long.TryParse(pairs[i + 1].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var change))
            {
                entries.Add(new IndexEntry(workload, change));
            }
        }

        _ = long.TryParse(result[0].ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var changeCount);
        return new IndexRead(changeCount, (long)result[1], entries);
    }

    public async Task<IReadOnlyList<WorkloadProfile?>> GetManyAsync(IReadOnlyList<WorkloadRef> workloads, CancellationToken cancellationToken)
    {
        var database = _redis.GetDatabase();
        var profiles = new WorkloadProfile?[workloads.Count];

        // One MGET per namespace and batch: a namespace's keys share a hash slot, so this works on a cluster too.
        var batches = workloads.Select((workload, index) => (workload, index))
            .GroupBy(item => item.workload.Namespace)
            .SelectMany(group => group.Chunk(Batch))
            .ToList();
        var reads = await Task.WhenAll(batches.Select(batch => database.StringGetAsync(batch.Select(item => (RedisKey)RedisKeys.Profile(item.workload)).ToArray())))
            .WaitAsync(cancellationToken);
        for (var b = 0; b < batches.Count; b++)
        {
            for (var i = 0; i < batches[b].Length; i++)
            {
                var (workload, index) = batches[b][i];
                profiles[index] = Read(workload, reads[b][i]);
            }
        }

        return profiles;
    }

    public async Task SubscribeAsync(Action<string> changed, CancellationToken cancellationToken) =>
        await _redis.GetSubscriber()
            .SubscribeAsync(RedisChannel.Literal(RedisKeys.ChangesChannel), (_, message) => changed(message.ToString()))
            .WaitAsync(cancellationToken);

    /// <summary>
    /// Copies every v1 profile that has no v2 counterpart into the v2 keys (the v1 keys stay). Returns how many were
    /// copied. Safe to run again: a workload already in v2 is left alone.
    /// </summary>
    public async Task<int> MigrateV1Async(CancellationToken cancellationToken)
    {
        var database = _redis.GetDatabase();
        var members = await database.SortedSetRangeByRankAsync(RedisKeys.V1.ProfileIndex).WaitAsync(cancellationToken);
        var copied = 0;
        foreach (var batch in members.Select(m => WorkloadRef.TryParse(m.ToString(), out var w) ? w : null).OfType<WorkloadRef>().Chunk(Batch))
        {
            var present = await Task.WhenAll(batch.Select(w => database.KeyExistsAsync(RedisKeys.Profile(w)))).WaitAsync(cancellationToken);
            var missing = batch.Where((_, i) => !present[i]).ToList();
            var values = await Task.WhenAll(missing.Select(w => database.StringGetAsync(RedisKeys.V1.Profile(w)))).WaitAsync(cancellationToken);
            for (var i = 0; i < missing.Count; i++)
            {
                if (values[i].IsNullOrEmpty)
                {
                    continue;
                }

                var workload = missing[i];
                await WriteV2Async(database, workload, values[i], cancellationToken);
                Announce(workload.Namespace);
                copied++;
            }
        }

        return copied;
    }

    /// <summary>The v2 write: the namespace listed, and the profile, its index entry and the counter in one script.</summary>
    private static Task WriteV2Async(IDatabase database, WorkloadRef workload, RedisValue json, CancellationToken cancellationToken) =>
        // The namespace's listing and its keys live in different slots: two commands, sent together.
        Task.WhenAll(
            database.SetAddAsync(RedisKeys.Namespaces, workload.Namespace),
            database.ScriptEvaluateAsync(PutScript, NamespaceKeys(workload), [json, workload.ToString()])).WaitAsync(cancellationToken);

    private static RedisKey[] NamespaceKeys(WorkloadRef workload) =>
        [RedisKeys.Profile(workload), RedisKeys.ProfileIndex(workload.Namespace), RedisKeys.ChangeCount(workload.Namespace)];

    private async Task WriteV1Async(IDatabase database, WorkloadRef workload, Action<ITransaction> write, CancellationToken cancellationToken)
    {
        var transaction = database.CreateTransaction();
        write(transaction);
        try
        {
            if (!await transaction.ExecuteAsync().WaitAsync(cancellationToken))
            {
                throw new RedisException($"Redis did not commit the v1 keys of {workload}.");
            }
        }
        catch (Exception e) when (IsCrossSlot(e))
        {
            // A Redis Cluster: v1's two keys live in different slots. v2 has what readers need.
            if (Interlocked.Exchange(ref _v1Refused, 1) == 0)
            {
                _logger.LogWarning("This Redis is a cluster: the v1 keys (resorcerer:v1:profile...) cannot be written in one transaction and are no longer written; readers must use the v2 keys ({Error})", e.Message);
            }
        }
    }

    private static bool IsCrossSlot(Exception e) =>
        e.Message.Contains("CROSSSLOT", StringComparison.Ordinal) || e.Message.Contains("single slot", StringComparison.OrdinalIgnoreCase)
        || (e.InnerException is { } inner && IsCrossSlot(inner));

    /// <summary>Tells followers that the namespace changed; best effort (they poll as well), so never awaited.</summary>
    private void Announce(string namespaceName) =>
        _redis.GetSubscriber().Publish(RedisChannel.Literal(RedisKeys.ChangesChannel), namespaceName, CommandFlags.FireAndForget);

    private WorkloadProfile? Read(WorkloadRef workload, RedisValue value)
    {
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
            _logger.LogWarning("Ignoring unreadable profile at {Key}: {Error}", RedisKeys.Profile(workload), e.Message);
            return null;
        }
    }
}
