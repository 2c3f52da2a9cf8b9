namespace Resorcerer.Sizing;

/// <summary>
/// CPU (millicores) and memory (bytes) amounts, rounded up to whole units; null where the pod does not set one.
/// Where the pod's quantity is not a whole number of units (<c>1500u</c>, <c>1.5</c> bytes) its exact value is kept
/// beside it, since Kubernetes decides a pod's QoS class on exact values.
/// </summary>
public readonly record struct ResourceAmounts(long? CpuMillicores, long? MemoryBytes)
{
    /// <summary>The exact CPU in cores, where rounding to millicores changed it; else null.</summary>
    public decimal? UnroundedCpuCores { get; init; }

    /// <summary>The exact memory in bytes, where rounding to whole bytes changed it; else null.</summary>
    public decimal? UnroundedMemoryBytes { get; init; }

    /// <summary>The CPU as the pod states it, in cores.</summary>
    public decimal? ExactCpuCores => UnroundedCpuCores ?? CpuMillicores / 1000m;

    /// <summary>The memory as the pod states it, in bytes.</summary>
    public decimal? ExactMemoryBytes => UnroundedMemoryBytes ?? MemoryBytes;
}

/// <summary>What a container is to the pod.</summary>
public enum ContainerRole
{
    /// <summary>An ordinary container (<c>spec.containers</c>).</summary>
    Container,

    /// <summary>A native sidecar: an init container with <c>restartPolicy: Always</c>, running for the pod's life.</summary>
    Sidecar,

    /// <summary>An init container that runs to completion before the others; left alone.</summary>
    Init,
}

/// <summary>
/// What the patch builder needs to know of one container: where it is in the pod (a JSON Pointer), what it asks
/// for, and which parent objects already exist (JSON Patch <c>add</c> fails when a parent is missing).
/// </summary>
public sealed record ContainerResources(
    string Path,
    string Name,
    ContainerRole Role,
    bool HasResources,
    bool HasRequests,
    bool HasLimits,
    ResourceAmounts Requests,
    ResourceAmounts Limits)
{
    /// <summary>The request Kubernetes acts on: the request, or the limit when only a limit is set.</summary>
    public ResourceAmounts EffectiveRequests => new(Requests.CpuMillicores ?? Limits.CpuMillicores, Requests.MemoryBytes ?? Limits.MemoryBytes);
}

/// <summary>The parts of a pod the patch builder reads, free of Kubernetes client types.</summary>
public sealed record PodResources(bool HasAnnotations, IReadOnlyList<ContainerResources> Containers)
{
    /// <summary>The containers whose resources resorcerer may set: ordinary containers and native sidecars.</summary>
    public IEnumerable<ContainerResources> Patchable => Containers.Where(c => c.Role != ContainerRole.Init);

    /// <summary>Equal when every container is: two pods of one template read the same.</summary>
    public bool Equals(PodResources? other) =>
        other is not null && HasAnnotations == other.HasAnnotations && Containers.SequenceEqual(other.Containers);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(HasAnnotations);
        foreach (var container in Containers)
        {
            hash.Add(container);
        }

        return hash.ToHashCode();
    }
}

/// <summary>A pod's quality-of-service class, as Kubernetes derives it from every container's requests and limits.</summary>
public enum QosClass
{
    BestEffort,
    Burstable,
    Guaranteed,
}

public static class Qos
{
    /// <summary>
    /// The class of containers with the given (requests, limits), by Kubernetes' own rule: on exact values, where a
    /// zero amount counts as unset; Guaranteed when every container limits both CPU and memory and the pod's summed
    /// requests equal its summed limits, BestEffort when nothing is requested or limited, else Burstable. A request
    /// left unset next to a limit counts as the limit, as the API server's defaulting sets it.
    /// </summary>
    public static QosClass Of(IEnumerable<(ResourceAmounts Requests, ResourceAmounts Limits)> containers)
    {
        decimal? cpuRequests = null, memoryRequests = null, cpuLimits = null, memoryLimits = null;
        var everyContainerLimitsBoth = true;
        foreach (var (requests, limits) in containers)
        {
            var cpuLimit = Positive(limits.ExactCpuCores);
            var memoryLimit = Positive(limits.ExactMemoryBytes);
            Add(ref cpuRequests, Positive(requests.ExactCpuCores) ?? (requests.CpuMillicores is null ? cpuLimit : null));
            Add(ref memoryRequests, Positive(requests.ExactMemoryBytes) ?? (requests.MemoryBytes is null ? memoryLimit : null));
            Add(ref cpuLimits, cpuLimit);
            Add(ref memoryLimits, memoryLimit);
            everyContainerLimitsBoth &= cpuLimit is not null && memoryLimit is not null;
        }

        if (cpuRequests is null && memoryRequests is null && cpuLimits is null && memoryLimits is null)
        {
            return QosClass.BestEffort;
        }

        return everyContainerLimitsBoth && cpuRequests == cpuLimits && memoryRequests == memoryLimits ? QosClass.Guaranteed : QosClass.Burstable;

        static decimal? Positive(decimal? amount) => amount > 0 ? amount : null;

        static void Add(ref decimal? sum, decimal? amount)
        {
            if (amount is { } value)
            {
                sum = (sum ?? 0) + value;
            }
        }
    }

    public static QosClass Of(PodResources pod) => Of(pod.Containers.Select(c => (c.Requests, c.Limits)));
}
