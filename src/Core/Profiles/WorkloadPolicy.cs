using System.Text.Json.Serialization;

namespace Resorcerer.Profiles;

/// <summary>What the webhook does with a new pod of the workload.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AdmissionMode>))]
public enum AdmissionMode
{
    /// <summary>Set the requests at creation (the default).</summary>
    Initial,

    /// <summary>Only annotate the pod with the profile; change nothing.</summary>
    Off,
}

/// <summary>Whether limits move along with requests.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ControlledValues>))]
public enum ControlledValues
{
    /// <summary>Limits that were set keep their ratio to the request (the default).</summary>
    RequestsAndLimits,

    /// <summary>Only requests change; a request is never raised above its limit.</summary>
    RequestsOnly,
}

/// <summary>Bounds on a container's CPU (millicores) and memory (bytes); null means unbounded.</summary>
public sealed record ResourceBounds(long? MinCpu = null, long? MaxCpu = null, long? MinMemory = null, long? MaxMemory = null)
{
    public bool IsEmpty => MinCpu is null && MaxCpu is null && MinMemory is null && MaxMemory is null;
}

/// <summary>
/// The effective policy of a workload, read by the profiler from the namespace's and the workload's
/// <c>resorcerer.io/*</c> annotations and the namespace's LimitRanges, and stored with the profile so that the
/// webhook needs no Kubernetes API access.
/// </summary>
public sealed record WorkloadPolicy
{
    public static WorkloadPolicy Default { get; } = new();

    public AdmissionMode Mode { get; init; } = AdmissionMode.Initial;

    public ControlledValues ControlledValues { get; init; } = ControlledValues.RequestsAndLimits;

    /// <summary>Containers the webhook leaves alone (e.g. a service mesh's proxy).</summary>
    public IReadOnlyList<string> ExcludeContainers { get; init; } = [];

    /// <summary>The user's bounds on each container's recommendation.</summary>
    public ResourceBounds? Allowed { get; init; }

    /// <summary>The namespace's LimitRange minimum and maximum for a container.</summary>
    public ResourceBounds? LimitRange { get; init; }

    /// <summary>Annotation values that could not be read, and were ignored.</summary>
    public IReadOnlyList<string>? Problems { get; init; }
}
