namespace Resorcerer.Updater.Updating;

/// <summary>The reasons of the Events the updater records on pods (what <c>kubectl describe pod</c> and <c>kubectl get events</c> show).</summary>
public static class EventReasons
{
    public const string Resized = "Resized";
    public const string Evicted = "Evicted";
    public const string EvictionBlocked = "EvictionBlocked";
    public const string ResizeConflict = "ResizeConflict";

    /// <summary>The Event reason of a decision's reason (<c>resize_infeasible</c> -> <c>ResizeInfeasible</c>).</summary>
    public static string For(string reason) => reason switch
    {
        "resize_infeasible" => "ResizeInfeasible",
        "resize_deferred" => "ResizeDeferred",
        "resize_stuck" => "ResizeStuck",
        "resize_failed" => "ResizeFailed",
        "resize_unsupported" => "ResizeUnsupported",
        "not_evictable" => "NotEvictable",
        "too_few_replicas" => "TooFewReplicas",
        "unschedulable" or "qos_change" => "ResizeHeld",
        _ => string.Concat(reason.Split('_').Select(w => w.Length == 0 ? w : char.ToUpperInvariant(w[0]) + w[1..])),
    };
}
