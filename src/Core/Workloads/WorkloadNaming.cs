using System.Text.RegularExpressions;

namespace Resorcerer.Workloads;

/// <summary>
/// Name rules Kubernetes follows: what a namespace may be called, and the names controllers give what they make,
/// used where the owning object itself is not at hand (the webhook has no API access; kube-state-metrics may lack
/// a ReplicaSet's owner row).
/// </summary>
public static partial class WorkloadNaming
{
    /// <summary>Whether the text is a valid namespace name (a DNS label: lower-case letters, digits and '-', at most 63).</summary>
    public static bool IsNamespaceName(string text) => DnsLabel().IsMatch(text);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    /// <summary>Whether the text is a valid object name (a DNS subdomain: lower-case letters, digits, '-' and '.', at most 253).</summary>
    public static bool IsObjectName(string text) => text.Length <= 253 && DnsSubdomain().IsMatch(text);

    /// <summary>Whether the text can be a kind as Kubernetes spells it (<c>Deployment</c>, <c>StatefulSet</c>).</summary>
    public static bool IsKind(string text) => KindName().IsMatch(text);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[A-Z][A-Za-z0-9]{0,62}$")]
    private static partial Regex KindName();

    // Kubernetes renders pod-template-hash with this alphabet (no vowels, no 0/1/3 look-alikes).
    private const string HashAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// The Deployment behind a ReplicaSet named <c>&lt;deployment&gt;-&lt;pod-template-hash&gt;</c>, or null when the
    /// name does not have that shape. With the hash known (the pod's <c>pod-template-hash</c> label) the match is
    /// exact; without it, the last segment must look like a hash.
    /// </summary>
    public static string? DeploymentOfReplicaSet(string replicaSet, string? podTemplateHash)
    {
        var dash = replicaSet.LastIndexOf('-');
        if (dash <= 0 || dash == replicaSet.Length - 1)
        {
            return null;
        }

        var suffix = replicaSet[(dash + 1)..];
        var matches = string.IsNullOrEmpty(podTemplateHash)
            ? suffix.Length is >= 5 and <= 10 && suffix.All(HashAlphabet.Contains)
            : suffix == podTemplateHash;
        return matches ? replicaSet[..dash] : null;
    }

    /// <summary>
    /// The CronJob behind a Job named <c>&lt;cronjob&gt;-&lt;scheduled time in minutes&gt;</c> (eight digits or more, as
    /// the CronJob controller names them), or null. A hand-made Job named that way is taken for a CronJob's.
    /// </summary>
    public static string? CronJobOfJob(string job)
    {
        var dash = job.LastIndexOf('-');
        return dash > 0 && job.Length - dash - 1 >= 8 && job[(dash + 1)..].All(char.IsAsciiDigit) ? job[..dash] : null;
    }

    /// <summary>
    /// The workload whose profile sizes a pod, from its controller owner: a ReplicaSet named after its Deployment
    /// stands for the Deployment, a CronJob's Job for the CronJob, any other controller for itself; null without one.
    /// </summary>
    public static WorkloadRef? WorkloadOfPod(string? @namespace, string? ownerKind, string? ownerName, string? podTemplateHash)
    {
        if (string.IsNullOrEmpty(@namespace) || string.IsNullOrEmpty(ownerKind) || string.IsNullOrEmpty(ownerName))
        {
            return null;
        }

        if (ownerKind == WorkloadKinds.ReplicaSet)
        {
            return DeploymentOfReplicaSet(ownerName, podTemplateHash) is { } deployment
                ? new WorkloadRef(@namespace, WorkloadKinds.Deployment, deployment)
                : new WorkloadRef(@namespace, WorkloadKinds.ReplicaSet, ownerName);
        }

        return ownerKind == WorkloadKinds.Job && CronJobOfJob(ownerName) is { } cronJob
            ? new WorkloadRef(@namespace, WorkloadKinds.CronJob, cronJob)
            : new WorkloadRef(@namespace, ownerKind, ownerName);
    }
}
