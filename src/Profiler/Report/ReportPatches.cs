using System.Text;
using Resorcerer.Quantities;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Report;

/// <summary>
/// The recommendations as files a team commits beside its manifests: per workload a strategic-merge patch (its
/// apiVersion, kind, name and each recommended container's resources) and a <c>kustomization.yaml</c> that lists
/// them. Only containers with a recommendation are named; a limit appears only where the pods set one.
/// </summary>
public static class ReportPatches
{
    /// <summary>File name to content: one patch per workload, and the kustomization.</summary>
    public static IReadOnlyDictionary<string, string> Write(IReadOnlyList<ContainerReport> lines)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var workload in lines.GroupBy(l => l.Workload).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            var containers = workload.Where(l => l.Cpu.RecommendedRequest is not null || l.Memory.RecommendedRequest is not null).ToList();
            if (containers.Count == 0 || Template(workload.Key.Kind) is not { } template)
            {
                continue;
            }

            files[FileName(workload.Key)] = Patch(workload.Key, template, containers);
        }

        var kustomization = new StringBuilder("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
            .Append("# Recommendations from resorcerer: add your workloads' manifests under resources, or these patches to your own kustomization.\n")
            .Append("patches:\n");
        foreach (var file in files.Keys)
        {
            kustomization.Append("  - path: ").Append(file).Append('\n');
        }

        files["kustomization.yaml"] = kustomization.ToString();
        return files;
    }

    public static string FileName(WorkloadRef workload) => $"{workload.Namespace}-{workload.Kind.ToLowerInvariant()}-{workload.Name}.yaml";

    /// <summary>The apiVersion and the path from the workload to its pod template's spec, by kind; null for kinds without one.</summary>
    private static (string ApiVersion, string[] Path)? Template(string kind) => kind switch
    {
        WorkloadKinds.Deployment or WorkloadKinds.StatefulSet or WorkloadKinds.DaemonSet or WorkloadKinds.ReplicaSet => ("apps/v1", ["spec", "template", "spec"]),
        WorkloadKinds.Job => ("batch/v1", ["spec", "template", "spec"]),
        WorkloadKinds.CronJob => ("batch/v1", ["spec", "jobTemplate", "spec", "template", "spec"]),
        _ => null,
    };

    private static string Patch(WorkloadRef workload, (string ApiVersion, string[] Path) template, List<ContainerReport> containers)
    {
        var yaml = new StringBuilder()
            .Append("apiVersion: ").Append(template.ApiVersion).Append('\n')
            .Append("kind: ").Append(workload.Kind).Append('\n')
            .Append("metadata:\n  name: ").Append(workload.Name).Append("\n  namespace: ").Append(workload.Namespace).Append('\n');
        var indent = string.Empty;
        foreach (var key in template.Path)
        {
            yaml.Append(indent).Append(key).Append(":\n");
            indent += "  ";
        }

        yaml.Append(indent).Append("containers:\n");
        foreach (var container in containers.OrderBy(c => c.Container, StringComparer.Ordinal))
        {
            yaml.Append(indent).Append("  - name: ").Append(container.Container).Append('\n');
            yaml.Append(indent).Append("    resources:\n");
            Amounts(yaml, indent + "      ", "requests", container.Cpu.RecommendedRequest, container.Memory.RecommendedRequest);
            Amounts(yaml, indent + "      ", "limits", container.Cpu.RecommendedLimit, container.Memory.RecommendedLimit);
        }

        return yaml.ToString();
    }

    private static void Amounts(StringBuilder yaml, string indent, string name, long? cpu, long? memory)
    {
        if (cpu is null && memory is null)
        {
            return;
        }

        yaml.Append(indent).Append(name).Append(":\n");
        if (cpu is { } millicores)
        {
            yaml.Append(indent).Append("  cpu: \"").Append(Quantity.FormatMillicores(millicores)).Append("\"\n");
        }

        if (memory is { } bytes)
        {
            yaml.Append(indent).Append("  memory: \"").Append(Quantity.FormatBytes(bytes)).Append("\"\n");
        }
    }
}
