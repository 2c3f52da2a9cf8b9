using Resorcerer.Profiler.Model;
using Resorcerer.PrometheusApi;

namespace Resorcerer.Profiler.Prometheus;

/// <summary>
/// Where the profiler reads cluster usage and ownership from. One implementation speaks PromQL;
/// tests use a real Prometheus through it.
/// </summary>
public interface IUsageSource
{
    /// <summary>Queries sent so far, to report how many a cycle needed.</summary>
    long QueriesSent { get; }

    /// <summary>Checks that the server answers queries; throws <see cref="PrometheusException"/> saying why not.</summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>The largest node's CPU (cores) and memory (bytes), its capacity and what is allocatable to pods; null where unknown.</summary>
    Task<NodeBounds> ReadNodeBoundsAsync(DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Owners of every pod and ReplicaSet that existed at some time in the window.</summary>
    Task<Ownership> ReadOwnershipAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken);

    /// <summary>Usage of every container of the namespaces in the window.</summary>
    Task<IReadOnlyList<ContainerUsage>> ReadUsageAsync(
        UsageResource resource, IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken);

    /// <summary>OOM kills of containers of the namespaces in the window, each with the memory in use when it happened.</summary>
    Task<IReadOnlyList<OomKill>> ReadOomKillsAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken);
}
