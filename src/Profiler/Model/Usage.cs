using Resorcerer.Usage;

namespace Resorcerer.Profiler.Model;

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

/// <summary>
/// What the largest node of the cluster has, from kube-state-metrics: its capacity (no container can use more) and
/// what is allocatable to pods (no request above it can be scheduled), CPU in cores and memory in bytes; null where
/// kube-state-metrics does not say. Where it does not, <see cref="Fallback"/> stands in.
/// </summary>
public sealed record NodeBounds(double? CapacityCpuCores, double? CapacityMemoryBytes, double? AllocatableCpuCores, double? AllocatableMemoryBytes)
{
    /// <summary>Beyond any machine a cluster runs on today (<see cref="Profiles.NodeSize.Beyond"/>).</summary>
    public static readonly double FallbackCpuCores = Profiles.NodeSize.Beyond.Cpu / 1000.0, FallbackMemoryBytes = Profiles.NodeSize.Beyond.Memory;

    public static NodeBounds Fallback { get; } = new(null, null, null, null);

    /// <summary>The most CPU a container can use: the largest node's capacity, or the fallback.</summary>
    public double MaxCpuCores => CapacityCpuCores ?? AllocatableCpuCores ?? FallbackCpuCores;

    /// <summary>The most memory a container can use: the largest node's capacity, or the fallback.</summary>
    public double MaxMemoryBytes => CapacityMemoryBytes ?? AllocatableMemoryBytes ?? FallbackMemoryBytes;

    /// <summary>The largest request that can be scheduled: the largest node's allocatable, or its capacity, or the fallback.</summary>
    public double MaxCpuRequestCores => AllocatableCpuCores ?? CapacityCpuCores ?? FallbackCpuCores;

    public double MaxMemoryRequestBytes => AllocatableMemoryBytes ?? CapacityMemoryBytes ?? FallbackMemoryBytes;

    /// <summary>The largest node's allocatable size for profiles, when kube-state-metrics said it.</summary>
    public Profiles.NodeSize? Largest => (AllocatableCpuCores ?? CapacityCpuCores) is { } cpu && (AllocatableMemoryBytes ?? CapacityMemoryBytes) is { } memory
        ? new Profiles.NodeSize((long)Math.Floor(cpu * 1000), (long)Math.Floor(memory))
        : null;
}
