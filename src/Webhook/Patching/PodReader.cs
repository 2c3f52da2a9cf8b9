using k8s.Models;
using Resorcerer.Quantities;

namespace Resorcerer.Webhook.Patching;

/// <summary>Reads the parts of a Kubernetes pod that the patch builder needs. The only place that sees <see cref="V1Pod"/> resources.</summary>
public static class PodReader
{
    /// <summary>The pod's containers and their amounts; a quantity that cannot be read is reported in <paramref name="problems"/>.</summary>
    public static PodResources Read(V1Pod pod, List<string> problems)
    {
        var containers = new List<ContainerResources>();
        var regular = pod.Spec?.Containers ?? [];
        for (var i = 0; i < regular.Count; i++)
        {
            containers.Add(Read(regular[i], $"/spec/containers/{i}", ContainerRole.Container, problems));
        }

        var init = pod.Spec?.InitContainers ?? [];
        for (var i = 0; i < init.Count; i++)
        {
            var role = init[i].RestartPolicy == "Always" ? ContainerRole.Sidecar : ContainerRole.Init;
            containers.Add(Read(init[i], $"/spec/initContainers/{i}", role, problems));
        }

        return new PodResources(pod.Metadata?.Annotations is not null, containers);
    }

    private static ContainerResources Read(V1Container container, string path, ContainerRole role, List<string> problems)
    {
        var resources = container.Resources;
        return new ContainerResources(
            Path: path,
            Name: container.Name ?? string.Empty,
            Role: role,
            HasResources: resources is not null,
            HasRequests: resources?.Requests is not null,
            HasLimits: resources?.Limits is not null,
            Requests: Amounts(container.Name, "requests", resources?.Requests, problems),
            Limits: Amounts(container.Name, "limits", resources?.Limits, problems));
    }

    private static ResourceAmounts Amounts(string? container, string section, IDictionary<string, ResourceQuantity>? values, List<string> problems)
    {
        if (values is null)
        {
            return default;
        }

        return new ResourceAmounts(
            Read("cpu", Quantity.TryParseMillicores),
            Read("memory", Quantity.TryParseBytes));

        long? Read(string name, TryParse parse)
        {
            if (!values.TryGetValue(name, out var quantity) || quantity is null)
            {
                return null;
            }

            if (parse(quantity.ToString(), out var amount))
            {
                return amount;
            }

            problems.Add($"container {container}: {section}.{name} '{quantity}' is not a quantity resorcerer can read");
            return null;
        }
    }

    private delegate bool TryParse(string? text, out long amount);
}
