using System.Text.Json.Nodes;
using Resorcerer.Quantities;

namespace Resorcerer.TestSupport;

/// <summary>
/// The QoS class Kubernetes gives a pod as JSON, written here apart from the webhook's own so that it can catch its
/// mistakes: on exact quantities, a zero counting as unset, an unset request as its limit; null when a quantity
/// cannot be read (the API server would refuse the pod).
/// </summary>
public static class KubernetesQos
{
    public static string? Of(JsonNode pod)
    {
        try
        {
            var containers = new List<JsonNode>();
            foreach (var list in new[] { "initContainers", "containers" })
            {
                if (pod["spec"]?[list] is JsonArray array)
                {
                    containers.AddRange(array.OfType<JsonNode>());
                }
            }

            decimal cpuRequests = 0, memoryRequests = 0, cpuLimits = 0, memoryLimits = 0;
            bool anyRequest = false, anyLimit = false, guaranteed = true, cpuRequested = false, memoryRequested = false;
            foreach (var container in containers)
            {
                var cpuLimit = Amount(container["resources"]?["limits"]?["cpu"]);
                var memoryLimit = Amount(container["resources"]?["limits"]?["memory"]);
                var cpuRequest = Amount(container["resources"]?["requests"]?["cpu"]) ?? (container["resources"]?["requests"]?["cpu"] is null ? cpuLimit : null);
                var memoryRequest = Amount(container["resources"]?["requests"]?["memory"]) ?? (container["resources"]?["requests"]?["memory"] is null ? memoryLimit : null);
                if (cpuRequest > 0) { cpuRequests += cpuRequest.Value; anyRequest = cpuRequested = true; }
                if (memoryRequest > 0) { memoryRequests += memoryRequest.Value; anyRequest = memoryRequested = true; }
                if (cpuLimit > 0) { cpuLimits += cpuLimit.Value; anyLimit = true; }
                if (memoryLimit > 0) { memoryLimits += memoryLimit.Value; anyLimit = true; }
                guaranteed &= cpuLimit > 0 && memoryLimit > 0;
            }

            return !anyRequest && !anyLimit ? "BestEffort"
                : guaranteed && cpuRequested && memoryRequested && cpuRequests == cpuLimits && memoryRequests == memoryLimits ? "Guaranteed"
                : "Burstable";
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static decimal? Amount(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue<string>(out var text) => Quantity.TryParse(text, out var amount) && amount >= 0 ? amount : throw new FormatException(text),
        _ => throw new FormatException(node.ToJsonString()),
    };
}
