using Resorcerer.Sizing;

namespace Resorcerer.Updating.Planning;

/// <summary>What the updater does with a pod.</summary>
public enum UpdateAction
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Resize its containers in place, through the <c>resize</c> subresource.</summary>
    Resize,

    /// <summary>Evict it through the Eviction API; its replacement is sized at creation.</summary>
    Evict,

    /// <summary>Nothing can be done, but a person should know (an Event says why).</summary>
    Report,
}

/// <summary>
/// A decision on one pod: the action, why (a short reason, for metrics and Event reasons), what it changes, and a
/// line for people.
/// </summary>
public sealed record UpdateDecision(UpdateAction Action, string Reason, string Message)
{
    public static UpdateDecision Nothing(string reason) => new(UpdateAction.None, reason, string.Empty);

    /// <summary>The JSON Patch for the <c>resize</c> subresource, for <see cref="UpdateAction.Resize"/>.</summary>
    public IReadOnlyList<PatchOperation> Operations { get; init; } = [];

    public IReadOnlyList<ResourceChange> Changes { get; init; } = [];

    /// <summary>The memory guard's findings (container and working set) behind the decision, for the profiler to learn from once acted on.</summary>
    public IReadOnlyList<(string Container, double WorkingSetBytes)> Pressure { get; init; } = [];

    /// <summary>Annotations to write on the pod with the action (set, or removed when null).</summary>
    public IReadOnlyDictionary<string, string?> Annotations { get; init; } = new Dictionary<string, string?>();
}
