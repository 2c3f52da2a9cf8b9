using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Resorcerer.Quantities;
using Resorcerer.Sizing;
using Resorcerer.Webhook.Patching;

namespace Resorcerer.Webhook.Tests.Patching;

/// <summary>
/// The one-pass pod reader against a plain walk over the parsed JSON, on generated pods whose fields come in any
/// order, with unknown fields (nested, with brackets inside strings) anywhere and nulls where Kubernetes allows them.
/// </summary>
public class PodReaderPropertyTests
{
    private static readonly Gen<JsonObject> GenLabelledPod =
        Gen.Select(PodPatchPropertyTests.GenPod, Gen.Int[0, 3], Gen.Int[0, 2], Gen.Bool).Select((pod, labels, owners, nullLabels) =>
        {
            var metadata = pod["metadata"]!.AsObject();
            metadata["labels"] = nullLabels ? null : new JsonObject(Enumerable.Range(0, labels).Select(i => KeyValuePair.Create($"label-{i}", (JsonNode?)$"value {i}")));
            metadata["ownerReferences"] = new JsonArray([.. Enumerable.Range(0, owners).Select(i => new JsonObject
            {
                ["apiVersion"] = "apps/v1", ["kind"] = i == 0 ? "ReplicaSet" : "Job", ["name"] = $"owner-{i}", ["uid"] = "u", ["controller"] = i == 0 ? true : null,
            })]);
            return pod;
        });

    [Fact]
    public void Reads_what_a_walk_over_the_parsed_json_reads_whatever_the_order_and_the_noise()
    {
        Gen.Select(GenLabelledPod, Gen.Int).Sample((pod, seed) =>
        {
            var random = new Random(seed);
            var json = Reshuffle(pod, random)!.ToJsonString();

            var read = PodReader.Read(Encoding.UTF8.GetBytes(json));

            var expected = Walk(JsonNode.Parse(json)!.AsObject());
            Assert.Equal(expected.Namespace, read.Namespace);
            Assert.Equal(expected.Labels.OrderBy(l => l.Key), read.Labels.OrderBy(l => l.Key));
            Assert.Equal(expected.Owners, read.Owners);
            Assert.Equal(expected.Resources, read.Resources);
        });
    }

    /// <summary>The same JSON with every object's fields in a random order and unknown fields mixed in (not among labels, which are all read).</summary>
    private static JsonNode? Reshuffle(JsonNode? node, Random random, bool noisy = true) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .Select(p => KeyValuePair.Create(p.Key, Reshuffle(p.Value, random, noisy: p.Key != "labels")))
            .Concat(noisy && random.Next(3) == 0 ? [KeyValuePair.Create<string, JsonNode?>($"x-noise-{random.Next(1000)}", Noise(random))] : [])
            .OrderBy(_ => random.Next())),
        JsonArray array => new JsonArray([.. array.Select(item => Reshuffle(item, random))]),
        null => null,
        _ => node.DeepClone(),
    };

    private static JsonNode Noise(Random random) => random.Next(3) switch
    {
        0 => new JsonArray(1, "]}{[\"", null, new JsonObject { ["containers"] = new JsonArray(7), ["cpu"] = "lots" }),
        1 => new JsonObject { ["spec"] = new JsonObject { ["containers"] = "not these" }, ["name"] = 3 },
        _ => "\\\"}",
    };

    /// <summary>What resorcerer should read of the pod, found by looking up each field in the parsed JSON.</summary>
    private static AdmittedPod Walk(JsonObject pod)
    {
        var metadata = pod["metadata"]?.AsObject();
        var spec = pod["spec"]?.AsObject();
        var containers = new List<ContainerResources>();
        foreach (var (field, isInit) in new[] { ("containers", false), ("initContainers", true) })
        {
            var list = spec?[field]?.AsArray() ?? [];
            for (var i = 0; i < list.Count; i++)
            {
                var container = list[i]!.AsObject();
                var resources = container["resources"]?.AsObject();
                var requests = resources?["requests"]?.AsObject();
                var limits = resources?["limits"]?.AsObject();
                var role = !isInit ? ContainerRole.Container
                    : (string?)container["restartPolicy"] == "Always" ? ContainerRole.Sidecar : ContainerRole.Init;
                containers.Add(new ContainerResources($"/spec/{field}/{i}", (string?)container["name"] ?? "", role,
                    resources is not null, requests is not null, limits is not null, Amounts(requests), Amounts(limits)));
            }
        }

        return new AdmittedPod(
            (string?)metadata?["namespace"],
            metadata?["labels"]?.AsObject().ToDictionary(l => l.Key, l => (string)l.Value!) ?? [],
            [.. (metadata?["ownerReferences"]?.AsArray() ?? []).Select(o => new OwnerReference(
                (string?)o!["kind"] ?? "", (string?)o["name"] ?? "", (bool?)o["controller"] ?? false))],
            new PodResources(metadata?["annotations"] is JsonObject, containers));
    }

    private static ResourceAmounts Amounts(JsonObject? values)
    {
        if (values is null)
        {
            return default;
        }

        (long? Rounded, decimal? Exact) Parse(string name, bool cpu)
        {
            if ((string?)values[name] is not { } text)
            {
                return (null, null);
            }

            Assert.True(cpu ? Quantity.TryParseMillicores(text, out var amount) : Quantity.TryParseBytes(text, out amount), text);
            Assert.True(Quantity.TryParse(text, out var exact), text);
            return (amount, exact);
        }

        var (cpu, exactCpu) = Parse("cpu", cpu: true);
        var (memory, exactMemory) = Parse("memory", cpu: false);
        // The exact amount is kept beside the rounded one where they differ (a quantity that is not whole units).
        return new ResourceAmounts(cpu, memory)
        {
            UnroundedCpuCores = exactCpu * 1000 != cpu ? exactCpu : null,
            UnroundedMemoryBytes = exactMemory != memory ? exactMemory : null,
        };
    }
}
