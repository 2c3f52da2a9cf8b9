using System.Collections.Concurrent;
using Resorcerer.Storage;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Profiles;

/// <summary>What one sync did.</summary>
public readonly record struct SyncResult(int NamespacesRead, int ProfilesRead, int Removed);

/// <summary>
/// Every stored profile, held in memory and kept in step with the store, so that admission never waits on Redis.
/// <see cref="SyncAsync"/> asks each namespace's change counter, and reads only the namespaces whose counter moved:
/// the workloads written after the last change number seen, and, when the index no longer holds as many workloads as
/// the mirror does (something was removed), the whole index, to drop what is gone. Syncs run one at a time (the
/// caller's loop); lookups run on any thread at any time and see each profile whole.
/// </summary>
public sealed class ProfileMirror(IProfileFeed feed)
{
    private static readonly ProfileLookup NotLoaded = new(
        LookupStatus.Unavailable, null, "the webhook has not loaded the profiles from Redis yet", "no sync with Redis has completed since the webhook started");

    private readonly ConcurrentDictionary<WorkloadRef, ProfileLookup> _lookups = new();
    private readonly Dictionary<string, NamespaceState> _namespaces = new(StringComparer.Ordinal);
    private volatile bool _loaded;

    private sealed class NamespaceState
    {
        public long ChangeCount { get; set; } = -1;

        public long Highest { get; set; }

        /// <summary>Change number last read per workload in the index (a workload whose value cannot be read included).</summary>
        public Dictionary<WorkloadRef, long> Changes { get; } = [];
    }

    /// <summary>True once a first sync has completed: from then on an absent profile really is absent.</summary>
    public bool Loaded => _loaded;

    /// <summary>Profiles held.</summary>
    public int Count => _lookups.Count;

    /// <summary>The workload's profile as last synced. Never waits, never allocates.</summary>
    public ProfileLookup Get(WorkloadRef workload) =>
        _lookups.TryGetValue(workload, out var found) ? found
        : _loaded ? ProfileLookup.Absent
        : NotLoaded;

    /// <summary>Brings the mirror in step with the store. Throws (keeping what it holds) when the store fails.</summary>
    public async Task<SyncResult> SyncAsync(CancellationToken cancellationToken)
    {
        var namespaces = await feed.NamespacesAsync(cancellationToken);
        var counts = await feed.ChangeCountsAsync(namespaces, cancellationToken);
        var result = new SyncResult();
        for (var i = 0; i < namespaces.Count; i++)
        {
            if (!_namespaces.TryGetValue(namespaces[i], out var state))
            {
                _namespaces[namespaces[i]] = state = new NamespaceState();
            }

            if (counts[i] != state.ChangeCount)
            {
                var read = await SyncNamespaceAsync(namespaces[i], state, cancellationToken);
                result = new SyncResult(result.NamespacesRead + 1, result.ProfilesRead + read.ProfilesRead, result.Removed + read.Removed);
            }
        }

        // A namespace no longer listed: its profiles are gone.
        foreach (var gone in _namespaces.Keys.Except(namespaces, StringComparer.Ordinal).ToList())
        {
            result = result with { Removed = result.Removed + Forget(_namespaces[gone], _namespaces[gone].Changes.Keys.ToList()) };
            _namespaces.Remove(gone);
        }

        _loaded = true;
        return result;
    }

    private async Task<SyncResult> SyncNamespaceAsync(string namespaceName, NamespaceState state, CancellationToken cancellationToken)
    {
        var read = await feed.ReadIndexAsync(namespaceName, state.Highest, cancellationToken);
        var fetched = await FetchAsync(state, read.Entries, cancellationToken);
        var removed = 0;
        if (state.Changes.Count != read.Count)
        {
            // Every workload written since the last read is now known, so a different count means removals.
            var whole = await feed.ReadIndexAsync(namespaceName, 0, cancellationToken);
            var present = whole.Entries.Select(e => e.Workload).ToHashSet();
            removed = Forget(state, state.Changes.Keys.Where(w => !present.Contains(w)).ToList());
            fetched += await FetchAsync(state, whole.Entries, cancellationToken);
            read = whole;
        }

        state.ChangeCount = read.ChangeCount;
        return new SyncResult(1, fetched, removed);
    }

    /// <summary>Reads the profiles of the entries written after what the state last read for them.</summary>
    private async Task<int> FetchAsync(NamespaceState state, IReadOnlyList<IndexEntry> entries, CancellationToken cancellationToken)
    {
        var changed = entries.Where(e => !state.Changes.TryGetValue(e.Workload, out var known) || known != e.Change).ToList();
        if (changed.Count == 0)
        {
            return 0;
        }

        var profiles = await feed.GetManyAsync(changed.Select(e => e.Workload).ToList(), cancellationToken);
        for (var i = 0; i < changed.Count; i++)
        {
            var (workload, change) = changed[i];
            state.Changes[workload] = change;
            state.Highest = Math.Max(state.Highest, change);
            if (profiles[i] is { } profile && profile.Workload == workload)
            {
                _lookups[workload] = new ProfileLookup(LookupStatus.Found, profile);
            }
            else
            {
                // Removed since the index was read, or unreadable: not served. A removal shows in the next count.
                _lookups.TryRemove(workload, out _);
            }
        }

        return changed.Count;
    }

    private int Forget(NamespaceState state, List<WorkloadRef> workloads)
    {
        foreach (var workload in workloads)
        {
            state.Changes.Remove(workload);
            _lookups.TryRemove(workload, out _);
        }

        return workloads.Count;
    }
}
