namespace Resorcerer.Webhook.Patching;

/// <summary>CPU (millicores) and memory (bytes) amounts; null where the pod does not set one.</summary>
public readonly record struct ResourceAmounts(long? CpuMillicores, long? MemoryBytes);

/// <summary>
/// What the patch builder needs to know of one container: where it is, what it asks for, and which
/// parent objects already exist (JSON Patch <c>add</c> fails when a parent is missing).
/// </summary>
public sealed record ContainerResources(
    int Index,
    string Name,
    bool HasResources,
    bool HasRequests,
    bool HasLimits,
    ResourceAmounts Requests,
    ResourceAmounts Limits);

/// <summary>The parts of a pod the patch builder reads, free of Kubernetes client types.</summary>
public sealed record PodResources(bool HasAnnotations, IReadOnlyList<ContainerResources> Containers);
