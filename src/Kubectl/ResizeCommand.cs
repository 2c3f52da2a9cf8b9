using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Quantities;
using Resorcerer.Sizing;
using Resorcerer.Updating.Kubernetes;

namespace Resorcerer.Kubectl;

/// <summary>
/// <c>kubectl resorcerer resize POD</c>: sets a running container's CPU and memory in place through the pod's
/// <c>resize</c> subresource, refusing first what Kubernetes would refuse, then follows the resize until the
/// kubelet has applied, deferred or refused it.
/// </summary>
public static class ResizeCommand
{
    public const string Help =
        """
        Resize a running container in place, without restarting the pod.

        Usage:
          kubectl resorcerer resize POD [-n NAMESPACE] [-c CONTAINER] [--cpu QUANTITY] [--memory QUANTITY] [--limits]

        Sets the container's requests (and with --limits its limits too, to the same values) through the pod's
        resize subresource, then follows the resize until the kubelet has applied it, deferred it or found it
        infeasible. Refused before anything is sent: resources other than cpu and memory, init containers that are
        not native sidecars, a request above its limit, and changes of the pod's QoS class (Kubernetes refuses
        those in place). Needs Kubernetes 1.33 or newer; kubectl's own equivalent is
        'kubectl patch pod POD --subresource resize'.

        Examples:
          kubectl resorcerer resize web-7d4b9c-x2x9q --cpu 500m
          kubectl resorcerer resize web-7d4b9c-x2x9q -n shop -c app --cpu 1 --memory 1Gi --limits

        Flags:
          -n, --namespace NAME   namespace of the pod (default: the context's)
          -c, --container NAME   container to resize (default: the pod's only container)
              --cpu QUANTITY     new CPU request, e.g. 250m or 1.5
              --memory QUANTITY  new memory request, e.g. 512Mi or 2Gi
              --limits           set the limits to the same values as the requests
              --timeout DURATION how long to follow the resize (default 60s)
              --no-wait          return once the API server has accepted the resize
              --context NAME     kubeconfig context to use
              --kubeconfig FILE  kubeconfig file to use

        Exit codes: 0 applied (or accepted, with --no-wait), 1 refused or infeasible, 2 bad usage,
        3 deferred or still in progress.
        """;

    public static async Task<int> RunAsync(PluginArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Positional.Count != 2)
        {
            return KubectlPlugin.Usage(error, "resize takes one pod name: kubectl resorcerer resize POD [--cpu Q] [--memory Q]");
        }

        var name = args.Positional[1];
        var cpu = args.Value("cpu");
        var memory = args.Value("memory");
        if (cpu is null && memory is null)
        {
            return KubectlPlugin.Usage(error, "give --cpu, --memory or both");
        }

        long? cpuMillicores = null, memoryBytes = null;
        if (cpu is not null && !(Quantity.TryParseMillicores(cpu, out var c) && c > 0 && (cpuMillicores = c) is not null))
        {
            return KubectlPlugin.Usage(error, $"--cpu '{cpu}' is not a CPU quantity above zero (like 250m or 1.5)");
        }

        if (memory is not null && !(Quantity.TryParseBytes(memory, out var m) && m > 0 && (memoryBytes = m) is not null))
        {
            return KubectlPlugin.Usage(error, $"--memory '{memory}' is not a memory quantity above zero (like 512Mi or 2Gi)");
        }

        if (!KubectlPlugin.TryDuration(args.Value("timeout"), TimeSpan.FromSeconds(60), out var timeout))
        {
            return KubectlPlugin.Usage(error, $"--timeout '{args.Value("timeout")}' is not a duration (like 30s or 2m)");
        }

        var (client, ns) = KubectlPlugin.Connect(args);
        var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns, cancellationToken: cancellationToken);
        var running = PodReading.Read(pod);
        if (Refusal(running, pod, args.Value("container"), out var found) is { } refusal)
        {
            error.WriteLine($"kubectl-resorcerer: pod {ns}/{name}: {refusal}");
            return KubectlPlugin.Refused;
        }

        var container = found!;
        var requests = new ResourceAmounts(cpuMillicores ?? container.Requests.CpuMillicores, memoryBytes ?? container.Requests.MemoryBytes);
        var limits = args.Switch("limits")
            ? new ResourceAmounts(cpuMillicores ?? container.Limits.CpuMillicores, memoryBytes ?? container.Limits.MemoryBytes)
            : container.Limits;
        if (Inconsistent(requests, limits) is { } inconsistent)
        {
            error.WriteLine($"kubectl-resorcerer: pod {ns}/{name}, container {container.Name}: {inconsistent}");
            return KubectlPlugin.Refused;
        }

        var before = Qos.Of(running.Resources);
        var after = Qos.Of(running.Resources.Containers.Select(x => x == container ? (requests, limits) : (x.Requests, x.Limits)));
        if (before != after)
        {
            error.WriteLine($"kubectl-resorcerer: pod {ns}/{name}: this would change its QoS class from {before} to {after}, which Kubernetes refuses in place. " +
                (after == QosClass.Guaranteed ? "Keep a request below its limit, or recreate the pod." : "Set requests and limits together (--limits), or recreate the pod."));
            return KubectlPlugin.Refused;
        }

        var (operations, changes) = PodPatchBuilder.ContainerPatch(container, requests, limits);
        if (changes.Count == 0)
        {
            output.WriteLine($"pod {ns}/{name}, container {container.Name}: already runs with these resources; nothing to do");
            return KubectlPlugin.Success;
        }

        var actions = new KubernetesPodActions(() => client, NullLogger<KubernetesPodActions>.Instance, KubectlPlugin.Component);
        var outcome = await actions.ResizeAsync(running, operations, cancellationToken);
        if (outcome.Result != ActionResult.Done)
        {
            error.WriteLine($"kubectl-resorcerer: the API server refused the resize of {ns}/{name}: {outcome.Detail}");
            return KubectlPlugin.Refused;
        }

        var what = $"{container.Name}: {string.Join(", ", changes)}";
        await actions.RecordEventAsync(running, "Normal", "Resized", $"resized in place with kubectl resorcerer: {what}", cancellationToken);
        output.WriteLine($"pod {ns}/{name} resize accepted: {what}");
        if (args.Switch("no-wait"))
        {
            return KubectlPlugin.Success;
        }

        var end = await ResizeProgress.WaitAsync(client, ns, name, running.Generation + 1, timeout, cancellationToken);
        output.WriteLine($"pod {ns}/{name}: {ResizeProgress.Describe(end, timeout)}");
        return KubectlPlugin.ExitCode(end);
    }

    /// <summary>Why the container cannot be resized in place, or null (with the container found).</summary>
    private static string? Refusal(Updating.Planning.RunningPod pod, V1Pod raw, string? name, out ContainerResources? container)
    {
        container = null;
        if (!pod.Running)
        {
            return $"it is not running (phase {raw.Status?.Phase ?? "unknown"}{(raw.Metadata.DeletionTimestamp is null ? string.Empty : ", being deleted")}): only running pods are resized in place";
        }

        var all = pod.Resources.Containers;
        if (name is null)
        {
            var candidates = pod.Resources.Patchable.ToList();
            if (candidates.Count != 1)
            {
                return $"it has {candidates.Count} containers ({string.Join(", ", candidates.Select(c => c.Name))}): name one with -c";
            }

            container = candidates[0];
        }
        else
        {
            container = all.FirstOrDefault(c => c.Name == name);
            if (container is null)
            {
                return $"it has no container '{name}' (it has {string.Join(", ", all.Select(c => c.Name))})";
            }

            if (container.Role == ContainerRole.Init)
            {
                return $"'{name}' is an init container, and Kubernetes resizes in place only containers and native sidecars (init containers with restartPolicy: Always)";
            }
        }

        if (pod.Actual is null)
        {
            return "the kubelet reports no container resources, so this node cannot resize in place (Kubernetes 1.33 or newer does)";
        }

        return null;
    }

    /// <summary>What the API server would refuse in the new amounts, or null.</summary>
    private static string? Inconsistent(ResourceAmounts requests, ResourceAmounts limits)
    {
        if (requests.CpuMillicores > limits.CpuMillicores)
        {
            return $"a cpu request of {Quantity.FormatMillicores(requests.CpuMillicores!.Value)} would be above the limit of {Quantity.FormatMillicores(limits.CpuMillicores!.Value)}: add --limits to set both";
        }

        if (requests.MemoryBytes > limits.MemoryBytes)
        {
            return $"a memory request of {Quantity.FormatBytes(requests.MemoryBytes!.Value)} would be above the limit of {Quantity.FormatBytes(limits.MemoryBytes!.Value)}: add --limits to set both";
        }

        return null;
    }
}
