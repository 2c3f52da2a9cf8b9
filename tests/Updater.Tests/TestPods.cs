using k8s.Models;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Updater.Tests;

/// <summary>One container of a test pod: its name and the quantities it asks for (null: unset).</summary>
public sealed record TestContainer(string Name, string? CpuRequest = null, string? MemoryRequest = null, string? CpuLimit = null, string? MemoryLimit = null)
{
    public bool Sidecar { get; init; }

    public V1Container ToContainer()
    {
        Dictionary<string, ResourceQuantity>? List(string? cpu, string? memory)
        {
            var list = new Dictionary<string, ResourceQuantity>();
            if (cpu is not null)
            {
                list["cpu"] = new ResourceQuantity(cpu);
            }

            if (memory is not null)
            {
                list["memory"] = new ResourceQuantity(memory);
            }

            return list.Count == 0 ? null : list;
        }

        var requests = List(CpuRequest, MemoryRequest);
        var limits = List(CpuLimit, MemoryLimit);
        return new V1Container
        {
            Name = Name,
            Image = Name + ":1",
            RestartPolicy = Sidecar ? "Always" : null,
            Resources = requests is null && limits is null ? null : new V1ResourceRequirements { Requests = requests, Limits = limits },
        };
    }
}

/// <summary>Pods and profiles as the cluster and the profiler would have them.</summary>
public static class TestPods
{
    public const long Mi = 1024 * 1024;

    /// <summary>A pod of Deployment <paramref name="deployment"/> (through its ReplicaSet), as the ReplicaSet controller makes it.</summary>
    public static V1Pod OfDeployment(string @namespace, string deployment, string suffix, params TestContainer[] containers) =>
        Pod(@namespace, $"{deployment}-5f7b8c9d4-{suffix}", "ReplicaSet", $"{deployment}-5f7b8c9d4", containers,
            new Dictionary<string, string> { ["app"] = deployment, ["pod-template-hash"] = "5f7b8c9d4" });

    public static V1Pod Pod(string @namespace, string name, string? ownerKind, string? ownerName, IEnumerable<TestContainer> containers,
        IDictionary<string, string>? labels = null)
    {
        var all = containers.ToList();
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = @namespace,
                Labels = labels is null ? null : new Dictionary<string, string>(labels),
                OwnerReferences = ownerKind is null ? null :
                    [new V1OwnerReference { ApiVersion = ownerKind == "Job" ? "batch/v1" : "apps/v1", Kind = ownerKind, Name = ownerName, Uid = Guid.NewGuid().ToString(), Controller = true }],
            },
            Spec = new V1PodSpec
            {
                Containers = [.. all.Where(c => !c.Sidecar).Select(c => c.ToContainer())],
                InitContainers = all.Any(c => c.Sidecar) ? [.. all.Where(c => c.Sidecar).Select(c => c.ToContainer())] : null,
            },
        };
    }

    /// <summary>A profile as the profiler writes it: per container a CPU and memory target with bounds at 0.8x and 1.5x.</summary>
    public static WorkloadProfile Profile(WorkloadRef workload, WorkloadPolicy policy, DateTimeOffset updatedAt, params (string Container, long CpuMillicores, long MemoryBytes)[] containers)
    {
        var observed = new UsageSummary(1, 1, 1, 1, 1, 10_000, updatedAt.AddDays(-7), updatedAt);
        return new WorkloadProfile
        {
            Workload = workload,
            UpdatedAt = updatedAt,
            Strategy = "resorcerer",
            Policy = policy,
            Containers = containers.ToDictionary(c => c.Container, c => new ContainerProfile(
                new ResourceProfile(c.CpuMillicores, c.CpuMillicores * 8 / 10, c.CpuMillicores * 3 / 2, observed),
                new ResourceProfile(c.MemoryBytes, c.MemoryBytes * 8 / 10, c.MemoryBytes * 3 / 2, observed))),
        };
    }
}
