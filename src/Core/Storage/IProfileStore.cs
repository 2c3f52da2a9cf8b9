using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Storage;

/// <summary>Reads stored profiles: all the webhook needs.</summary>
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
}
