namespace Resorcerer.Profiler.Model;

/// <summary>A value at a time (Unix seconds).</summary>
public readonly record struct Sample(long Timestamp, double Value);

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
public sealed record ContainerUsage(ContainerKey Container, IReadOnlyList<Sample> Samples);

/// <summary>Who controls a pod, as kube-state-metrics reports it.</summary>
public sealed record PodOwner(string Namespace, string Pod, string OwnerKind, string OwnerName);

/// <summary>
/// Who controls an intermediate controller, as kube-state-metrics reports it: a ReplicaSet (normally owned by a
/// Deployment) or a Job (owned by a CronJob when scheduled).
/// </summary>
public sealed record ControllerOwner(string Namespace, string Kind, string Name, string OwnerKind, string OwnerName);

/// <summary>
/// A container instance was OOM-killed at about this time (Unix seconds), using this much memory: the highest
/// working set in the ten minutes before.
/// </summary>
public readonly record struct OomKill(ContainerKey Container, long Timestamp, double MemoryBytes);

/// <summary>Every pod, ReplicaSet and Job seen in a time window, with its owner.</summary>
public sealed record Ownership(IReadOnlyList<PodOwner> Pods, IReadOnlyList<ControllerOwner> Controllers)
{
    public static Ownership None { get; } = new([], []);
}

/// <summary>A stretch of time; usage reads take the samples at whole steps from <see cref="Start"/> to <see cref="End"/>.</summary>
public readonly record struct TimeWindow(DateTimeOffset Start, DateTimeOffset End)
{
    public TimeSpan Length => End - Start;
}
