namespace Resorcerer.Webhook.Patching;

/// <summary>CPU (millicores) and memory (bytes) amounts; null where the pod does not set one.</summary>
public readonly record struct ResourceAmounts(long? CpuMillicores, long? MemoryBytes);

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
    /// <summary>The class of containers with the given (requests, limits).</summary>
    public static QosClass Of(IEnumerable<(ResourceAmounts Requests, ResourceAmounts Limits)> containers)
    {
        var list = containers.ToList();
        if (list.All(c => c.Requests == default && c.Limits == default))
        {
            return QosClass.BestEffort;
        }

        var guaranteed = list.All(c =>
            c.Limits.CpuMillicores is { } cpuLimit && c.Limits.MemoryBytes is { } memoryLimit
            && (c.Requests.CpuMillicores ?? cpuLimit) == cpuLimit && (c.Requests.MemoryBytes ?? memoryLimit) == memoryLimit);
        return guaranteed ? QosClass.Guaranteed : QosClass.Burstable;
    }

    public static QosClass Of(PodResources pod) => Of(pod.Containers.Select(c => (c.Requests, c.Limits)));
}
