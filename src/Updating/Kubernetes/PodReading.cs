using k8s.Models;
using Resorcerer.Quantities;
using Resorcerer.Sizing;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;

namespace Resorcerer.Updating.Kubernetes;

/// <summary>Turns the API's pods into what the updater decides on.</summary>
public static class PodReading
{
    public static RunningPod Read(V1Pod pod, int readyReplicas = 0)
    {
        var metadata = pod.Metadata;
        var owner = metadata.OwnerReferences?.FirstOrDefault(o => o.Controller == true);
        IReadOnlyDictionary<string, string> labels = metadata.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
        var workload = WorkloadNaming.WorkloadOfPod(metadata.NamespaceProperty, owner?.Kind, owner?.Name, labels.GetValueOrDefault(ResorcererKeys.PodTemplateHashLabel));
        var statuses = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? []).ToList();
        var conditions = pod.Status?.Conditions ?? [];
        var ready = conditions.FirstOrDefault(c => c.Type == "Ready" && c.Status == "True");
        var (resize, since, message) = Resize(pod);
        return new RunningPod
        {
            Namespace = metadata.NamespaceProperty,
            Name = metadata.Name,
            Uid = metadata.Uid ?? string.Empty,
            Workload = workload,
            Controller = owner is null ? ControllerKind.None : owner.Kind == WorkloadKinds.Job ? ControllerKind.Job : ControllerKind.Replicated,
            Labels = labels,
            Annotations = metadata.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : new Dictionary<string, string>(),
            Created = metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : DateTimeOffset.MinValue,
            ReadySince = ready?.LastTransitionTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null,
            Running = pod.Status?.Phase == "Running" && metadata.DeletionTimestamp is null,
            Resources = Resources(pod.Spec),
            Actual = statuses.All(s => s.Resources is null) ? null
                : statuses.Where(s => s.Resources is not null).ToDictionary(s => s.Name, s => (Amounts(s.Resources.Requests), Amounts(s.Resources.Limits))),
            OomKilled = statuses.Where(s => s.LastState?.Terminated?.Reason == "OOMKilled")
                .ToDictionary(s => s.Name, s => s.LastState.Terminated.FinishedAt is { } finished ? new DateTimeOffset(DateTime.SpecifyKind(finished, DateTimeKind.Utc)) : DateTimeOffset.MaxValue),
            Resize = resize,
            Generation = metadata.Generation ?? 0,
            ResizeSince = since,
            ResizeMessage = message,
            ReadyReplicas = readyReplicas,
        };
    }

    /// <summary>Whether the pod is Ready: what counts towards its workload's ready replicas.</summary>
    public static bool IsReady(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && (pod.Status?.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True");

    /// <summary>The containers' resources as the spec asks for them, in the shape the sizing reads.</summary>
    public static PodResources Resources(V1PodSpec spec)
    {
        var containers = new List<ContainerResources>();
        foreach (var (list, isInit) in new[] { (spec.Containers ?? [], false), (spec.InitContainers ?? [], true) })
        {
            for (var i = 0; i < list.Count; i++)
            {
                var container = list[i];
                var role = !isInit ? ContainerRole.Container : container.RestartPolicy == "Always" ? ContainerRole.Sidecar : ContainerRole.Init;
                var resources = container.Resources;
                containers.Add(new ContainerResources($"/spec/{(isInit ? "initContainers" : "containers")}/{i}", container.Name, role,
                    resources is not null, resources?.Requests is not null, resources?.Limits is not null,
                    Amounts(resources?.Requests), Amounts(resources?.Limits)));
            }
        }

        return new PodResources(true, containers);
    }

    /// <summary>CPU and memory of a resource list, rounded up to millicores and bytes, with the exact values where rounding changed them.</summary>
    public static ResourceAmounts Amounts(IDictionary<string, ResourceQuantity>? list)
    {
        decimal? Exact(string name) => list?.TryGetValue(name, out var quantity) == true && Quantity.TryParse(quantity.ToString(), out var value) ? value : null;
        var cpu = Exact("cpu");
        var memory = Exact("memory");
        long? cpuMillicores = cpu is { } c ? (long)decimal.Ceiling(c * 1000) : null;
        long? memoryBytes = memory is { } m ? (long)decimal.Ceiling(m) : null;
        return new ResourceAmounts(cpuMillicores, memoryBytes)
        {
            UnroundedCpuCores = cpu is { } exactCpu && exactCpu * 1000 != cpuMillicores ? exactCpu : null,
            UnroundedMemoryBytes = memory is { } exactMemory && exactMemory != memoryBytes ? exactMemory : null,
        };
    }

    /// <summary>How the pod's last resize stands: from its generation and its resize conditions.</summary>
    private static (ResizeState State, DateTimeOffset? Since, string? Message) Resize(V1Pod pod)
    {
        var conditions = pod.Status?.Conditions ?? [];
        DateTimeOffset? At(V1PodCondition condition) => condition.LastTransitionTime is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
        if (conditions.FirstOrDefault(c => c.Type == "PodResizePending" && c.Status == "True") is { } pending)
        {
            return (pending.Reason == "Infeasible" ? ResizeState.Infeasible : ResizeState.Deferred, At(pending), pending.Message);
        }

        if (conditions.FirstOrDefault(c => c.Type == "PodResizeInProgress" && c.Status == "True") is { } progress)
        {
            return (progress.Reason == "Error" ? ResizeState.Failed : ResizeState.InProgress, At(progress), progress.Message);
        }

        return pod.Metadata.Generation is { } generation && pod.Status?.ObservedGeneration is { } observed && generation > observed
            ? (ResizeState.Requested, null, null)
            : (ResizeState.None, null, null);
    }
}
