using System.Diagnostics.CodeAnalysis;

namespace Resorcerer.Workloads;

/// <summary>
/// Identifies a workload: the object that owns a set of pods and whose pods share one profile.
/// Its text form <c>namespace/Kind/name</c> is used in annotations and Redis keys.
/// </summary>
public sealed record WorkloadRef(string Namespace, string Kind, string Name)
{
    public override string ToString() => $"{Namespace}/{Kind}/{Name}";

    public static WorkloadRef Parse(string text) =>
        TryParse(text, out var workload)
            ? workload
            : throw new FormatException($"'{text}' is not a workload reference of the form namespace/Kind/name.");

    public static bool TryParse(string? text, [NotNullWhen(true)] out WorkloadRef? workload)
    {
        workload = null;
        var parts = text?.Split('/');
        if (parts is not { Length: 3 } || parts.Any(string.IsNullOrWhiteSpace))
        {
            return false;
        }

        workload = new WorkloadRef(parts[0], parts[1], parts[2]);
        return true;
    }
}

/// <summary>Workload kinds resorcerer profiles, spelled as Kubernetes spells them.</summary>
public static class WorkloadKinds
{
    public const string Deployment = "Deployment";
    public const string ReplicaSet = "ReplicaSet";
    public const string StatefulSet = "StatefulSet";
    public const string DaemonSet = "DaemonSet";
    public const string Job = "Job";
    public const string CronJob = "CronJob";

    /// <summary>A peer the service mesh names without its kind (Istio's <c>source_workload</c>, when the profiler does not know it).</summary>
    public const string Workload = "Workload";

    /// <summary>The peer of traffic from clients without a mesh proxy: the mesh cannot say who they are.</summary>
    public const string Unmeshed = "Unmeshed";
}
