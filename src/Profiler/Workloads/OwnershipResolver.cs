using Resorcerer.Profiler.Model;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Workloads;

/// <summary>
/// Maps pods to the workloads whose profile they share: a Deployment through its ReplicaSets (every
/// rollout's pods count), a CronJob through its Jobs (every run counts), a StatefulSet, DaemonSet or
/// unscheduled Job directly. Pods without a controller are not
/// profiled: nothing creates their successors. It remembers what it learns across cycles, so that an
/// incremental cycle, which only sees the pods alive in its short window, still knows older pods.
/// </summary>
public sealed class OwnershipResolver
{
    private const string NoOwner = "<none>";
    private readonly Dictionary<(string Namespace, string Pod), (WorkloadRef Workload, long Seen)> _pods = [];
    private readonly Dictionary<(string Namespace, string Kind, string Name), ControllerOwner> _controllers = [];

    public OwnershipResolver()
    {
    }

    public OwnershipResolver(Ownership ownership) => Learn(ownership, 0);

    public int PodCount => _pods.Count;

    /// <summary>Adds what kube-state-metrics reported, seen at <paramref name="seen"/> (Unix seconds).</summary>
    public void Learn(Ownership ownership, long seen)
    {
        foreach (var controller in ownership.Controllers)
        {
            _controllers[(controller.Namespace, controller.Kind, controller.Name)] = controller;
        }

        foreach (var pod in ownership.Pods)
        {
            if (Resolve(pod) is { } workload)
            {
                _pods[(pod.Namespace, pod.Pod)] = (workload, seen);
            }
        }
    }

    /// <summary>Forgets pods last seen before <paramref name="before"/>.</summary>
    public void Forget(long before)
    {
        foreach (var key in _pods.Where(p => p.Value.Seen < before).Select(p => p.Key).ToList())
        {
            _pods.Remove(key);
        }
    }

    /// <summary>The pod's workload, or null when the pod is unknown or has no controller.</summary>
    public WorkloadRef? WorkloadOf(string @namespace, string pod) =>
        _pods.TryGetValue((@namespace, pod), out var entry) ? entry.Workload : null;

    private WorkloadRef? Resolve(PodOwner pod)
    {
        if (string.IsNullOrEmpty(pod.OwnerKind) || pod.OwnerKind == NoOwner || string.IsNullOrEmpty(pod.OwnerName))
        {
            return null;
        }

        if (pod.OwnerKind is not (WorkloadKinds.ReplicaSet or WorkloadKinds.Job))
        {
            return new WorkloadRef(pod.Namespace, pod.OwnerKind, pod.OwnerName);
        }

        if (_controllers.TryGetValue((pod.Namespace, pod.OwnerKind, pod.OwnerName), out var owner))
        {
            return owner.OwnerKind is { Length: > 0 } kind && kind != NoOwner && owner.OwnerName is { Length: > 0 } name && name != NoOwner
                ? new WorkloadRef(pod.Namespace, kind, name)
                : new WorkloadRef(pod.Namespace, pod.OwnerKind, pod.OwnerName);
        }

        // kube-state-metrics had no row for the ReplicaSet or Job: fall back on the controllers' naming rules.
        var (parentKind, parent) = pod.OwnerKind == WorkloadKinds.ReplicaSet
            ? (WorkloadKinds.Deployment, WorkloadNaming.DeploymentOfReplicaSet(pod.OwnerName, podTemplateHash: null))
            : (WorkloadKinds.CronJob, WorkloadNaming.CronJobOfJob(pod.OwnerName));
        return parent is null
            ? new WorkloadRef(pod.Namespace, pod.OwnerKind, pod.OwnerName)
            : new WorkloadRef(pod.Namespace, parentKind, parent);
    }
}
