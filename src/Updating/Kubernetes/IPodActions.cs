using Resorcerer.Sizing;
using Resorcerer.Updating.Planning;

namespace Resorcerer.Updating.Kubernetes;

/// <summary>How an action on a pod ended, as the API server answered it.</summary>
public enum ActionResult
{
    /// <summary>Accepted: the resize is asked for, the pod evicted.</summary>
    Done,

    /// <summary>Not now: a PodDisruptionBudget allows no disruption (429), or the pod changed under us (409). Try later.</summary>
    Blocked,

    /// <summary>The API server refused it (422, 400, 403): it will refuse again.</summary>
    Refused,

    /// <summary>The pod is gone.</summary>
    Gone,

    /// <summary>The API could not be reached or failed (5xx, timeouts).</summary>
    Failed,
}

/// <summary>An action's result with the API server's own words.</summary>
public sealed record ActionOutcome(ActionResult Result, string Detail)
{
    public static ActionOutcome Done { get; } = new(ActionResult.Done, string.Empty);
}

/// <summary>What the updater does to pods, through the Kubernetes API's own safety: the resize subresource, the Eviction API, Events.</summary>
public interface IPodActions
{
    /// <summary>Applies the JSON Patch to the pod's <c>resize</c> subresource.</summary>
    Task<ActionOutcome> ResizeAsync(RunningPod pod, IReadOnlyList<PatchOperation> operations, CancellationToken cancellationToken);

    /// <summary>Asks the Eviction API to evict the pod (PodDisruptionBudgets apply).</summary>
    Task<ActionOutcome> EvictAsync(RunningPod pod, CancellationToken cancellationToken);

    /// <summary>Sets (or, for null values, removes) annotations on the pod.</summary>
    Task<ActionOutcome> AnnotateAsync(RunningPod pod, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken);

    /// <summary>Records an Event on the pod (type Normal or Warning).</summary>
    Task RecordEventAsync(RunningPod pod, string type, string reason, string message, CancellationToken cancellationToken);
}
