using Resorcerer.Webhook.Patching;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Workloads;

/// <summary>
/// Finds a new pod's workload from its owner references and labels alone (the webhook has no API access):
/// a ReplicaSet named <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c> stands for its Deployment, a Job named
/// <c>&lt;cronjob&gt;-&lt;minutes&gt;</c> for its CronJob.
/// </summary>
public static class PodWorkload
{
    public static WorkloadRef? Resolve(AdmittedPod pod, string? requestNamespace)
    {
        var ns = string.IsNullOrEmpty(requestNamespace) ? pod.Namespace : requestNamespace;
        var owner = pod.Owners.FirstOrDefault(o => o.Controller) ?? (pod.Owners.Count > 0 ? pod.Owners[0] : null);
        if (string.IsNullOrEmpty(ns) || owner is null || string.IsNullOrEmpty(owner.Kind) || string.IsNullOrEmpty(owner.Name))
        {
            return null;
        }

        if (owner.Kind == WorkloadKinds.ReplicaSet)
        {
            var hash = pod.Labels.GetValueOrDefault(ResorcererKeys.PodTemplateHashLabel);
            var deployment = WorkloadNaming.DeploymentOfReplicaSet(owner.Name, hash);
            return deployment is null
                ? new WorkloadRef(ns, WorkloadKinds.ReplicaSet, owner.Name)
                : new WorkloadRef(ns, WorkloadKinds.Deployment, deployment);
        }

        if (owner.Kind == WorkloadKinds.Job && WorkloadNaming.CronJobOfJob(owner.Name) is { } cronJob)
        {
            return new WorkloadRef(ns, WorkloadKinds.CronJob, cronJob);
        }

        return new WorkloadRef(ns, owner.Kind, owner.Name);
    }
}
