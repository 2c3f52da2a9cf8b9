using k8s.Models;
using Resorcerer.Webhook.Workloads;

namespace Resorcerer.Webhook.Tests.Workloads;

public class PodWorkloadTests
{
    private static V1Pod Pod(string ownerKind, string ownerName, string? hash = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            GenerateName = "x-",
            Labels = hash is null ? null : new Dictionary<string, string> { ["pod-template-hash"] = hash },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = ownerKind, Name = ownerName, Uid = "uid", Controller = true }],
        },
    };

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
        Assert.Null(PodWorkload.Resolve(new V1Pod { Metadata = new V1ObjectMeta { GenerateName = "x-" } }, "shop"));

    [Fact]
    public void The_request_namespace_wins_over_an_absent_pod_namespace()
    {
        var pod = Pod("StatefulSet", "db");
        Assert.Null(pod.Metadata.NamespaceProperty);
        Assert.Equal("bank", PodWorkload.Resolve(pod, "bank")!.Namespace);
        Assert.Null(PodWorkload.Resolve(pod, null));
    }
}
