using System.Text.Json;
using Resorcerer.Webhook.Json;
using Resorcerer.Quantities;

namespace Resorcerer.Webhook.Patching;

/// <summary>The owner reference of a pod, as far as resorcerer reads it.</summary>
public sealed record OwnerReference(string Kind, string Name, bool Controller);

/// <summary>What resorcerer reads of a pod at admission: where it lives, who owns it, and its containers' amounts.</summary>
public sealed record AdmittedPod(
    string? Namespace,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<OwnerReference> Owners,
    PodResources Resources);

/// <summary>The pod in an AdmissionReview is not shaped as a Kubernetes pod; the message names the bad field.</summary>
public sealed class PodFormatException(string message) : FormatException(message);

/// <summary>
/// Reads the parts of a pod that resorcerer needs straight from its JSON, skipping everything else: no full
/// Kubernetes object model is built for a pod that is only looked at. The only place that sees pod JSON.
/// A field of the wrong type, or a quantity that cannot be read, makes the whole pod unreadable
/// (<see cref="PodFormatException"/>): a pod resorcerer does not fully understand is left as it is.
/// </summary>
public static class PodReader
{
    public static AdmittedPod Read(JsonElement pod)
    {
        Expect(pod, JsonValueKind.Object, "the pod");
        var metadata = Child(pod, "metadata", JsonValueKind.Object, "metadata");
        var spec = Child(pod, "spec", JsonValueKind.Object, "spec");

        var containers = new List<ContainerResources>();
        var regular = Child(spec, "containers", JsonValueKind.Array, "spec.containers");
        var init = Child(spec, "initContainers", JsonValueKind.Array, "spec.initContainers");
        ReadContainers(regular, "containers", isInit: false, containers);
        ReadContainers(init, "initContainers", isInit: true, containers);

        return new AdmittedPod(
            Namespace: Text(metadata, "namespace", "metadata.namespace"),
            Labels: Labels(metadata),
            Owners: Owners(metadata),
            Resources: new PodResources(Child(metadata, "annotations", JsonValueKind.Object, "metadata.annotations") is not null, containers));
    }

    private static void ReadContainers(JsonElement? list, string field, bool isInit, List<ContainerResources> into)
    {
        if (list is not { } items)
        {
            return;
        }

        var index = 0;
        foreach (var container in items.EnumerateArray())
        {
            var path = $"spec.{field}[{index}]";
            Expect(container, JsonValueKind.Object, path);
            var name = Text(container, "name", path + ".name") ?? string.Empty;
            var role = !isInit ? ContainerRole.Container
                : Text(container, "restartPolicy", path + ".restartPolicy") == "Always" ? ContainerRole.Sidecar
                : ContainerRole.Init;
            var resources = Child(container, "resources", JsonValueKind.Object, path + ".resources");
            var requests = Child(resources, "requests", JsonValueKind.Object, path + ".resources.requests");
            var limits = Child(resources, "limits", JsonValueKind.Object, path + ".resources.limits");
            into.Add(new ContainerResources(
                Path: $"/spec/{field}/{index}",
                Name: name,
                Role: role,
                HasResources: resources is not null,
                HasRequests: requests is not null,
                HasLimits: limits is not null,
                Requests: Amounts(requests, path + ".resources.requests"),
                Limits: Amounts(limits, path + ".resources.limits")));
            index++;
        }
    }

    private static ResourceAmounts Amounts(JsonElement? values, string path)
    {
        return values is null ? default : new ResourceAmounts(Read("cpu", Quantity.TryParseMillicores), Read("memory", Quantity.TryParseBytes));

        long? Read(string name, TryParse parse)
        {
            if (!values.Value.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            // The API server writes quantities as strings; a number is accepted as its literal text.
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                _ => throw new PodFormatException($"{path}.{name} is {JsonKinds.Describe(value.ValueKind)}, not a quantity"),
            };
            return parse(text, out var amount)
                ? amount
                : throw new PodFormatException($"{path}.{name} '{Shorten(text)}' is not a quantity resorcerer can read");
        }
    }

    private static Dictionary<string, string> Labels(JsonElement? metadata)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Child(metadata, "labels", JsonValueKind.Object, "metadata.labels") is { } map)
        {
            foreach (var label in map.EnumerateObject())
            {
                labels[label.Name] = label.Value.ValueKind == JsonValueKind.String
                    ? label.Value.GetString()!
                    : throw new PodFormatException($"metadata.labels.{Shorten(label.Name)} is {JsonKinds.Describe(label.Value.ValueKind)}, not a string");
            }
        }

        return labels;
    }

    private static List<OwnerReference> Owners(JsonElement? metadata)
    {
        var owners = new List<OwnerReference>();
        if (Child(metadata, "ownerReferences", JsonValueKind.Array, "metadata.ownerReferences") is { } references)
        {
            var index = 0;
            foreach (var reference in references.EnumerateArray())
            {
                var path = $"metadata.ownerReferences[{index++}]";
                Expect(reference, JsonValueKind.Object, path);
                var controller = reference.TryGetProperty("controller", out var flag) && flag.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False or JsonValueKind.Null => false,
                    _ => throw new PodFormatException($"{path}.controller is {JsonKinds.Describe(flag.ValueKind)}, not true or false"),
                };
                owners.Add(new OwnerReference(Text(reference, "kind", path + ".kind") ?? string.Empty, Text(reference, "name", path + ".name") ?? string.Empty, controller));
            }
        }

        return owners;
    }

    /// <summary>The named field of an object, null when absent or null, or an error when of another type.</summary>
    private static JsonElement? Child(JsonElement? parent, string name, JsonValueKind kind, string path)
    {
        if (parent is not { } element || !element.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Expect(child, kind, path);
        return child;
    }

    private static string? Text(JsonElement? parent, string name, string path) =>
        Child(parent, name, JsonValueKind.String, path)?.GetString();

    private static void Expect(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw new PodFormatException($"{path} is {JsonKinds.Describe(element.ValueKind)}, not {JsonKinds.Describe(kind)}");
        }
    }

    private static string? Shorten(string? text) => text is { Length: > 64 } ? text[..64] + "..." : text;

    private delegate bool TryParse(string? text, out long amount);
}
