using System.Text;
using Resorcerer.Webhook.Patching;
using Resorcerer.Webhook.Workloads;

namespace Resorcerer.Webhook.Tests.Workloads;

public class PodWorkloadTests
{
    private static AdmittedPod Pod(string ownerKind, string ownerName, string? hash = null)
    {
        var labels = hash is null ? "null" : $$"""{"pod-template-hash":"{{hash}}"}""";
        return Read($$$"""
            {"metadata":{"generateName":"x-","labels":{{{labels}}},
              "ownerReferences":[{"apiVersion":"apps/v1","kind":"{{{ownerKind}}}","name":"{{{ownerName}}}","uid":"uid","controller":true}]}}
            """);
    }

    private static AdmittedPod Read(string json)
    {
        return PodReader.Read(Encoding.UTF8.GetBytes(json));
    }

    [Theory]
    [InlineData("ReplicaSet", "web-7d4b9c8f6d", "7d4b9c8f6d", "shop/Deployment/web")]
    [InlineData("ReplicaSet", "web-7d4b9c8f6d", null, "shop/Deployment/web")]
    [InlineData("ReplicaSet", "batch-runner", null, "shop/ReplicaSet/batch-runner")]
    [InlineData("StatefulSet", "db", null, "shop/StatefulSet/db")]
    [InlineData("DaemonSet", "agent", null, "shop/DaemonSet/agent")]
    [InlineData("Job", "backup-28840", null, "shop/Job/backup-28840")]
    [InlineData("Job", "report-29345678", null, "shop/CronJob/report")]
    public void The_controller_names_the_workload(string kind, string name, string? hash, string expected) =>
        Assert.Equal(expected, PodWorkload.Resolve(Pod(kind, name, hash), "shop")?.ToString());

    [Fact]
    public void A_pod_without_owner_has_no_workload() =>
        Assert.Null(PodWorkload.Resolve(Read("""{"metadata":{"generateName":"x-"}}"""), "shop"));

    [Fact]
    public void The_controller_wins_over_other_owners() =>
        Assert.Equal("shop/StatefulSet/db", PodWorkload.Resolve(Read("""
            {"metadata":{"ownerReferences":[{"kind":"ConfigMap","name":"c"},{"kind":"StatefulSet","name":"db","controller":true}]}}
            """), "shop")?.ToString());

    [Fact]
    public void The_request_namespace_wins_over_an_absent_pod_namespace()
    {
        var pod = Pod("StatefulSet", "db");
        Assert.Null(pod.Namespace);
        Assert.Equal("bank", PodWorkload.Resolve(pod, "bank")!.Namespace);
        Assert.Null(PodWorkload.Resolve(pod, null));
    }
}
