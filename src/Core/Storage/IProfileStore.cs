using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Storage;

/// <summary>Reads stored profiles one at a time: what the updater and the plugin need.</summary>
public interface IProfileReader
{
    /// <summary>The workload's profile, or null when none is stored.</summary>
    Task<WorkloadProfile?> GetAsync(WorkloadRef workload, CancellationToken cancellationToken);
}

/// <summary>Reads and writes stored profiles: what the profiler needs.</summary>
public interface IProfileStore : IProfileReader
{
    /// <summary>Stores the profile, replacing the workload's previous one.</summary>
    Task PutAsync(WorkloadProfile profile, CancellationToken cancellationToken);

    /// <summary>The workloads that have a stored profile, optionally in one namespace.</summary>
    Task<IReadOnlyList<WorkloadRef>> ListAsync(string? namespaceName, CancellationToken cancellationToken);

    /// <summary>Removes the workload's profile (the workload is gone).</summary>
    Task DeleteAsync(WorkloadRef workload, CancellationToken cancellationToken);

    /// <summary>Checks that the store answers; throws with the reason when it does not.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>Copies the profiles an older key layout holds and the current one lacks; returns how many.</summary>
    Task<int> UpgradeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Raised whenever writes already acknowledged may have been lost (a reconnection, a failover to a replica that
    /// had not received them): a writer that sees it change writes everything it holds again.
    /// </summary>
    long Epoch { get; }
}

/// <summary>One workload in a namespace's index, with the change number of its last write.</summary>
public readonly record struct IndexEntry(WorkloadRef Workload, long Change);

/// <summary>
/// A namespace's index as read at one moment: its change counter, how many workloads it holds, and those written
/// after the change number asked for.
/// </summary>
public sealed record IndexRead(long ChangeCount, long Count, IReadOnlyList<IndexEntry> Entries);

/// <summary>Follows every stored profile as it changes: what a reader that holds them all in memory needs.</summary>
public interface IProfileFeed
{
    /// <summary>The namespaces that have (or had) profiles.</summary>
    Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken);

    /// <summary>Each namespace's change counter, in the order given (0 for one never written).</summary>
    Task<IReadOnlyList<long>> ChangeCountsAsync(IReadOnlyList<string> namespaces, CancellationToken cancellationToken);

    /// <summary>The namespace's index at one moment, with the workloads written after change number <paramref name="after"/>.</summary>
    Task<IndexRead> ReadIndexAsync(string namespaceName, long after, CancellationToken cancellationToken);

    /// <summary>The profiles of the workloads, in order; null where none is stored (or it cannot be read).</summary>
    Task<IReadOnlyList<WorkloadProfile?>> GetManyAsync(IReadOnlyList<WorkloadRef> workloads, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="changed"/> with the namespace whenever a profile is written or removed; throws when the server refuses.</summary>
    Task SubscribeAsync(Action<string> changed, CancellationToken cancellationToken);
}
