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
        var owner = pod.Owners.FirstOrDefault(o => o.Controller) ?? (pod.Owners.Count > 0 ? pod.Owners[0] : null);
        return WorkloadNaming.WorkloadOfPod(string.IsNullOrEmpty(requestNamespace) ? pod.Namespace : requestNamespace,
            owner?.Kind, owner?.Name, pod.Labels.GetValueOrDefault(ResorcererKeys.PodTemplateHashLabel));
    }
}
