namespace Resorcerer.Profiler.Prometheus;

/// <summary>The resources the profiler learns from usage samples.</summary>
public enum UsageResource
{
    /// <summary>CPU in cores (a rate of CPU seconds per second).</summary>
    Cpu,

    /// <summary>Memory working set in bytes.</summary>
    Memory,
}

/// <summary>One container instance: a container name inside one pod.</summary>
public readonly record struct ContainerKey(string Namespace, string Pod, string Container);

/// <summary>Usage samples of one container instance, oldest first.</summary>
public sealed record ContainerUsage(ContainerKey Container, IReadOnlyList<PromSample> Samples);

/// <summary>Who controls a pod, as kube-state-metrics reports it.</summary>
public sealed record PodOwner(string Namespace, string Pod, string OwnerKind, string OwnerName);

/// <summary>
/// Who controls an intermediate controller, as kube-state-metrics reports it: a ReplicaSet (normally owned by a
/// Deployment) or a Job (owned by a CronJob when scheduled).
/// </summary>
public sealed record ControllerOwner(string Namespace, string Kind, string Name, string OwnerKind, string OwnerName);

/// <summary>A container instance was OOM-killed at about this time (Unix seconds).</summary>
public readonly record struct OomKill(ContainerKey Container, long Timestamp);

/// <summary>Every pod, ReplicaSet and Job seen in a time window, with its owner.</summary>
public sealed record Ownership(IReadOnlyList<PodOwner> Pods, IReadOnlyList<ControllerOwner> Controllers);

/// <summary>A half-open stretch of time [Start, End).</summary>
public readonly record struct TimeWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Length => End - Start;
}

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

    /// <summary>Owners of every pod and ReplicaSet that existed at some time in the window.</summary>
    Task<Ownership> ReadOwnershipAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken);

    /// <summary>Usage of every container of the namespaces in the window.</summary>
    Task<IReadOnlyList<ContainerUsage>> ReadUsageAsync(
        UsageResource resource, IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken);

    /// <summary>OOM kills of containers of the namespaces in the window.</summary>
    Task<IReadOnlyList<OomKill>> ReadOomKillsAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken);
}
