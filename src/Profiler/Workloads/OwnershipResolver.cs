using Resorcerer.Profiler.Prometheus;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Workloads;

/// <summary>
/// Maps pods to the workloads whose profile they share: a Deployment through its ReplicaSets (every
/// rollout's pods count), a StatefulSet, DaemonSet or Job directly. Pods without a controller are not
/// profiled: nothing creates their successors.
/// </summary>
public sealed class OwnershipResolver
{
    private const string NoOwner = "<none>";
    private readonly Dictionary<(string Namespace, string Pod), WorkloadRef> _pods = [];

    public OwnershipResolver(Ownership ownership)
    {
        var replicaSetOwners = ownership.ReplicaSets
            .GroupBy(r => (r.Namespace, r.ReplicaSet))
            .ToDictionary(g => g.Key, g => g.First());

        foreach (var pod in ownership.Pods)
        {
            var workload = Resolve(pod, replicaSetOwners);
            if (workload is not null)
            {
                _pods[(pod.Namespace, pod.Pod)] = workload;
            }
        }
    }

    public int PodCount => _pods.Count;

    /// <summary>The pod's workload, or null when the pod is unknown or has no controller.</summary>
    public WorkloadRef? WorkloadOf(string @namespace, string pod) =>
        _pods.TryGetValue((@namespace, pod), out var workload) ? workload : null;

    private static WorkloadRef? Resolve(PodOwner pod, Dictionary<(string, string), ReplicaSetOwner> replicaSetOwners)
    {
        if (string.IsNullOrEmpty(pod.OwnerKind) || pod.OwnerKind == NoOwner || string.IsNullOrEmpty(pod.OwnerName))
        {
            return null;
        }

        if (pod.OwnerKind != WorkloadKinds.ReplicaSet)
        {
            return new WorkloadRef(pod.Namespace, pod.OwnerKind, pod.OwnerName);
        }

        if (replicaSetOwners.TryGetValue((pod.Namespace, pod.OwnerName), out var owner))
        {
            return owner.OwnerKind is { Length: > 0 } kind && kind != NoOwner && owner.OwnerName is { Length: > 0 } name && name != NoOwner
                ? new WorkloadRef(pod.Namespace, kind, name)
                : new WorkloadRef(pod.Namespace, WorkloadKinds.ReplicaSet, pod.OwnerName);
        }

        // kube-state-metrics had no row for the ReplicaSet: fall back on the Deployment naming rule.
        var deployment = WorkloadNaming.DeploymentOfReplicaSet(pod.OwnerName, podTemplateHash: null);
        return deployment is null
            ? new WorkloadRef(pod.Namespace, WorkloadKinds.ReplicaSet, pod.OwnerName)
            : new WorkloadRef(pod.Namespace, WorkloadKinds.Deployment, deployment);
    }
}
