using k8s;
using k8s.Models;
using Resorcerer.Sizing;
using Resorcerer.Updating.Kubernetes;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;

namespace Resorcerer.Updating.Tests.Kubernetes;

/// <summary>Pods as the API server sends them (its JSON), read into what the rules decide on.</summary>
public class PodReadingTests
{
    private static V1Pod Parse(string json) => KubernetesJson.Deserialize<V1Pod>(json);

    private const string Running = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"web-5f7b8c9d4-a1b2c","namespace":"shop","uid":"u1","generation":3,"creationTimestamp":"2026-12-01T10:00:00Z",
           "labels":{"pod-template-hash":"5f7b8c9d4"},
           "annotations":{"resorcerer.io/updated":"2026-12-01T11:00:00Z"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5f7b8c9d4","uid":"rs","controller":true}]},
         "spec":{
           "initContainers":[{"name":"migrate","image":"m"},{"name":"proxy","image":"p","restartPolicy":"Always","resources":{"requests":{"cpu":"50m"}}}],
           "containers":[{"name":"app","image":"a","resources":{"requests":{"cpu":"1500u","memory":"256Mi"},"limits":{"memory":"512Mi"}}}]},
         "status":{"phase":"Running","observedGeneration":3,
           "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-12-01T10:01:00Z"},
                         {"type":"PodResizePending","status":"True","reason":"Infeasible","message":"Node didn't have enough capacity","lastTransitionTime":"2026-12-01T11:30:00Z"}],
           "containerStatuses":[{"name":"app","ready":true,"restartCount":1,"image":"a","imageID":"",
             "resources":{"requests":{"cpu":"2m","memory":"256Mi"},"limits":{"memory":"512Mi"}},
             "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","finishedAt":"2026-12-01T11:20:00Z"}}}]}}
        """;

    [Fact]
    public void A_running_pod_reads_with_its_workload_resources_resize_state_and_kills()
    {
        var pod = PodReading.Read(Parse(Running));

        Assert.Equal(new WorkloadRef("shop", "Deployment", "web"), pod.Workload);
        Assert.Equal(ControllerKind.Replicated, pod.Controller);
        Assert.True(pod.Running);
        Assert.Equal(3, pod.Generation);
        Assert.Equal((ResizeState.Infeasible, "Node didn't have enough capacity"), (pod.Resize, pod.ResizeMessage));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 11, 30, 0, TimeSpan.Zero), pod.ResizeSince);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 11, 20, 0, TimeSpan.Zero), pod.OomKilled["app"]);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 11, 0, 0, TimeSpan.Zero), pod.LastUpdated);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 1, 0, TimeSpan.Zero), pod.ReadySince);

        // 1500u rounds up to 2m, and its exact value is kept for the QoS rule.
        var app = pod.Resources.Containers.Single(c => c.Name == "app");
        Assert.Equal((2L, 1.5e-3m), (app.Requests.CpuMillicores!.Value, app.Requests.UnroundedCpuCores!.Value));
        Assert.Equal(ContainerRole.Sidecar, pod.Resources.Containers.Single(c => c.Name == "proxy").Role);
        Assert.Equal(ContainerRole.Init, pod.Resources.Containers.Single(c => c.Name == "migrate").Role);
        Assert.Equal(["app", "proxy"], pod.Resources.Patchable.Select(c => c.Name));
        Assert.NotNull(pod.Actual);
    }

    [Fact]
    public void A_new_generation_the_kubelet_has_not_seen_is_a_requested_resize()
    {
        var raw = Parse(Running);
        raw.Status.Conditions = [raw.Status.Conditions[0]];
        raw.Metadata.Generation = 4;

        Assert.Equal(ResizeState.Requested, PodReading.Read(raw).Resize);
    }

    [Fact]
    public void A_pod_being_deleted_or_of_a_Job_or_of_no_controller()
    {
        var deleting = Parse(Running);
        deleting.Metadata.DeletionTimestamp = DateTime.UtcNow;
        var job = Parse(Running);
        job.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = "report-29000000", Uid = "j", Controller = true }];
        var bare = Parse(Running);
        bare.Metadata.OwnerReferences = null;

        Assert.False(PodReading.Read(deleting).Running);
        Assert.Equal((ControllerKind.Job, new WorkloadRef("shop", "CronJob", "report")), (PodReading.Read(job).Controller, PodReading.Read(job).Workload));
        Assert.Equal((ControllerKind.None, (WorkloadRef?)null), (PodReading.Read(bare).Controller, PodReading.Read(bare).Workload));
    }
}
