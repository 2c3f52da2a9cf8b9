using System.Text.Json.Serialization;

namespace Resorcerer.Profiles;

/// <summary>What resorcerer does with the workload's pods: at creation (the webhook) and while they run (the updater).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UpdateMode>))]
public enum UpdateMode
{
    /// <summary>Set the requests at creation only (the default); running pods are left as they are.</summary>
    Initial,

    /// <summary>Only annotate new pods with the profile; change nothing.</summary>
    Off,

    /// <summary>At creation, and resize running pods in place; never evict.</summary>
    InPlace,

    /// <summary>At creation, and resize running pods in place; evict one when it cannot be resized.</summary>
    InPlaceOrRecreate,

    /// <summary>At creation, and evict running pods that should change (their replacements are sized at creation).</summary>
    Recreate,
}

/// <summary>
/// The memory guard: when a container's working set reaches <see cref="ThresholdPercent"/> of its memory limit (of
/// its request when it has no limit), its memory request and limit are multiplied by <see cref="Multiplier"/>.
/// </summary>
public sealed record MemoryGuard(int ThresholdPercent, double Multiplier);

/// <summary>
/// More CPU at start-up: new pods get their CPU target times <see cref="Factor"/>, or <see cref="Millicores"/> when
/// that is more, until they have been Ready for <see cref="Duration"/>; then they are resized down to the target.
/// </summary>
public sealed record CpuStartupBoost(double? Factor, long? Millicores, TimeSpan Duration)
{
    /// <summary>The boosted CPU for a target (millicores).</summary>
    public long Boost(long target) =>
        Factor is { } factor ? (long)Math.Ceiling(target * factor) : Math.Max(target, Millicores ?? target);
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

    public UpdateMode Mode { get; init; } = UpdateMode.Initial;

    public ControlledValues ControlledValues { get; init; } = ControlledValues.RequestsAndLimits;

    /// <summary>Containers the webhook leaves alone (e.g. a service mesh's proxy).</summary>
    public IReadOnlyList<string> ExcludeContainers { get; init; } = [];

    /// <summary>The user's bounds on each container's recommendation.</summary>
    public ResourceBounds? Allowed { get; init; }

    /// <summary>The namespace's LimitRange minimum and maximum for a container.</summary>
    public ResourceBounds? LimitRange { get; init; }

    /// <summary>The memory guard, when asked for.</summary>
    public MemoryGuard? MemoryGuard { get; init; }

    /// <summary>The CPU start-up boost, when asked for.</summary>
    public CpuStartupBoost? CpuStartupBoost { get; init; }

    /// <summary>Whether running pods may be changed: in place, by eviction, or both.</summary>
    [JsonIgnore]
    public bool ActsOnRunningPods => Mode is UpdateMode.InPlace or UpdateMode.InPlaceOrRecreate or UpdateMode.Recreate;

    /// <summary>Annotation values that could not be read, and were ignored.</summary>
    public IReadOnlyList<string>? Problems { get; init; }
}
