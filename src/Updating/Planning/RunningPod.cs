using Resorcerer.Sizing;
using Resorcerer.Workloads;

namespace Resorcerer.Updating.Planning;

/// <summary>Where a pod's last resize stands, as the kubelet reports it.</summary>
public enum ResizeState
{
    /// <summary>Nothing is being resized: what runs is what the spec asks for.</summary>
    None,

    /// <summary>Asked for, not yet seen by the kubelet (<c>metadata.generation</c> above <c>status.observedGeneration</c>).</summary>
    Requested,

    /// <summary><c>PodResizePending</c>, reason <c>Deferred</c>: it may happen later (the node lacks room now).</summary>
    Deferred,

    /// <summary><c>PodResizePending</c>, reason <c>Infeasible</c>: it never will (more than the node has, and the like).</summary>
    Infeasible,

    /// <summary><c>PodResizeInProgress</c>: the kubelet is applying it.</summary>
    InProgress,

    /// <summary><c>PodResizeInProgress</c>, reason <c>Error</c>: applying it failed.</summary>
    Failed,
}

/// <summary>What controls a pod, for the eviction rules.</summary>
public enum ControllerKind
{
    /// <summary>A ReplicaSet, StatefulSet, DaemonSet or the like: something makes a replacement.</summary>
    Replicated,

    /// <summary>A Job (or a CronJob's): an evicted run is a lost run.</summary>
    Job,

    /// <summary>No controller: nothing would make a replacement.</summary>
    None,
}

/// <summary>
/// A running pod as the updater decides on it: what its spec asks for, what its containers run with, how its last
/// resize stands, its OOM kills. Read from the Kubernetes API; free of client types.
/// </summary>
public sealed record RunningPod
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public required string Uid { get; init; }

    /// <summary>The workload whose profile sizes it, or null when none can be told.</summary>
    public WorkloadRef? Workload { get; init; }

    public ControllerKind Controller { get; init; } = ControllerKind.Replicated;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public DateTimeOffset Created { get; init; }

    /// <summary>Since when the pod is Ready; null when it is not.</summary>
    public DateTimeOffset? ReadySince { get; init; }

    /// <summary><c>Running</c> and not being deleted.</summary>
    public bool Running { get; init; } = true;

    /// <summary>The containers' resources as the spec asks for them.</summary>
    public required PodResources Resources { get; init; }

    /// <summary>What each container runs with (<c>status.containerStatuses[].resources</c>); null when the kubelet does not report it (no in-place resize).</summary>
    public IReadOnlyDictionary<string, (ResourceAmounts Requests, ResourceAmounts Limits)>? Actual { get; init; }

    /// <summary>Containers whose last termination was an OOM kill, with when it ended.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> OomKilled { get; init; } = new Dictionary<string, DateTimeOffset>();

    public ResizeState Resize { get; init; }

    /// <summary><c>metadata.generation</c>: grows with every accepted resize.</summary>
    public long Generation { get; init; }

    /// <summary>Since when <see cref="Resize"/> stands (its condition's last transition), and what the kubelet said.</summary>
    public DateTimeOffset? ResizeSince { get; init; }

    public string? ResizeMessage { get; init; }

    /// <summary>Ready pods of its workload, this one included.</summary>
    public int ReadyReplicas { get; init; }

    /// <summary>When the updater last changed the pod (its annotation), or null.</summary>
    public DateTimeOffset? LastUpdated => Annotations.TryGetValue(ResorcererKeys.UpdatedAnnotation, out var text)
        && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : null;

    public bool Skipped => Labels.GetValueOrDefault(ResorcererKeys.SkipLabel) == "true";

    public override string ToString() => $"{Namespace}/{Name}";
}
