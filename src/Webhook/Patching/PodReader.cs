using System.Text;
using System.Text.Json;
using Resorcerer.Sizing;
using Resorcerer.Webhook.Json;

namespace Resorcerer.Webhook.Patching;

/// <summary>The owner reference of a pod, as far as resorcerer reads it.</summary>
public sealed record OwnerReference(string Kind, string Name, bool Controller);

/// <summary>What resorcerer reads of a pod at admission: where it lives, who owns it, and its containers' amounts.</summary>
public sealed record AdmittedPod(
    string? Namespace,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<OwnerReference> Owners,
    PodResources Resources);

/// <summary>
/// The pod in an AdmissionReview is not shaped as a Kubernetes pod; the message names the bad field, and the
/// reason (<c>malformed_pod</c>, <c>duplicate_keys</c>) is what the admission is counted under.
/// </summary>
public sealed class PodFormatException(string message, string reason = PodFormatException.Malformed) : FormatException(message)
{
    public const string Malformed = "malformed_pod", DuplicateKeys = "duplicate_keys";

    public string Reason { get; } = reason;
}

/// <summary>
/// Reads the parts of a pod that resorcerer needs straight from its JSON tokens, in one forward pass, skipping
/// everything else: no document or object model is built for a pod that is only looked at. The only place that
/// sees pod JSON. A field of the wrong type, or a quantity that cannot be read, makes the whole pod unreadable
/// (<see cref="PodFormatException"/>): a pod resorcerer does not fully understand is left as it is. So does a
/// field the patch depends on given twice in one object: JSON decoders disagree on what that means (Go's merges
/// nested objects, others keep the last), so no patch could be sure to fit the object the API server holds.
/// </summary>
public static class PodReader
{
    /// <summary>The deepest nesting read, here and in the AdmissionReview around a pod.</summary>
    public const int MaxDepth = 64;

    /// <summary>Reads a pod that is the whole of <paramref name="json"/>; text that is not one JSON value throws <see cref="JsonException"/>.</summary>
    public static AdmittedPod Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        reader.Read();
        var pod = Read(ref reader);
        reader.Read(); // nothing may follow: the reader throws on anything but white space
        return pod;
    }

    /// <summary>Reads the pod whose first token the reader is on, leaving the reader on its last token.</summary>
    public static AdmittedPod Read(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject, new FieldPath("the pod"));
        string? ns = null;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var owners = new List<OwnerReference>();
        var hasAnnotations = false;
        var containers = new List<ContainerResources>();
        var initContainers = new List<ContainerResources>();
        var seen = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("metadata"u8))
            {
                Once(ref seen, 1, "the pod", "metadata");
                ReadMetadata(ref reader, ref ns, ref hasAnnotations, labels, owners);
            }
            else if (reader.ValueTextEquals("spec"u8))
            {
                Once(ref seen, 2, "the pod", "spec");
                ReadSpec(ref reader, containers, initContainers);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        // Ordinary containers first, whatever order the fields came in: each carries its own path for the patch.
        containers.AddRange(initContainers);
        return new AdmittedPod(ns, labels, owners, new PodResources(hasAnnotations, containers));
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, ref string? ns, ref bool hasAnnotations, Dictionary<string, string> labels, List<OwnerReference> owners)
    {
        if (!Value(ref reader, JsonTokenType.StartObject, new FieldPath("metadata")))
        {
            return;
        }

        var seen = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("namespace"u8))
            {
                Once(ref seen, 1, "metadata", "namespace");
                ns = Text(ref reader, new FieldPath("metadata.namespace"));
            }
            else if (reader.ValueTextEquals("labels"u8))
            {
                Once(ref seen, 2, "metadata", "labels");
                ReadLabels(ref reader, labels);
            }
            else if (reader.ValueTextEquals("annotations"u8))
            {
                Once(ref seen, 4, "metadata", "annotations");
                hasAnnotations = Value(ref reader, JsonTokenType.StartObject, new FieldPath("metadata.annotations"));
                if (hasAnnotations)
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("ownerReferences"u8))
            {
                Once(ref seen, 8, "metadata", "ownerReferences");
                ReadOwners(ref reader, owners);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadSpec(ref Utf8JsonReader reader, List<ContainerResources> containers, List<ContainerResources> initContainers)
    {
        if (!Value(ref reader, JsonTokenType.StartObject, new FieldPath("spec")))
        {
            return;
        }

        var seen = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("containers"u8))
            {
                Once(ref seen, 1, "spec", "containers");
                ReadContainers(ref reader, isInit: false, containers);
            }
            else if (reader.ValueTextEquals("initContainers"u8))
            {
                Once(ref seen, 2, "spec", "initContainers");
                ReadContainers(ref reader, isInit: true, initContainers);
            }
            else
            {
                SkipValue(ref reader);
            }
        }
    }

    private static void ReadContainers(ref Utf8JsonReader reader, bool isInit, List<ContainerResources> into)
    {
        var list = isInit ? "spec.initContainers" : "spec.containers";
        if (!Value(ref reader, JsonTokenType.StartArray, new FieldPath(list)))
        {
            return;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var path = new FieldPath(list, index);
            Expect(ref reader, JsonTokenType.StartObject, path);
            string? name = null, restartPolicy = null;
            bool hasResources = false, hasRequests = false, hasLimits = false;
            ResourceAmounts requests = default, limits = default;
            var seen = 0;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("name"u8))
                {
                    Once(ref seen, 1, path, "name");
                    name = Text(ref reader, path with { Field = ".name" });
                }
                else if (reader.ValueTextEquals("restartPolicy"u8))
                {
                    Once(ref seen, 2, path, "restartPolicy");
                    restartPolicy = Text(ref reader, path with { Field = ".restartPolicy" });
                }
                else if (reader.ValueTextEquals("resources"u8))
                {
                    Once(ref seen, 4, path, "resources");
                    if (!(hasResources = Value(ref reader, JsonTokenType.StartObject, path with { Field = ".resources" })))
                    {
                        continue;
                    }

                    var seenInResources = 0;
                    while (NextProperty(ref reader))
                    {
                        if (reader.ValueTextEquals("requests"u8))
                        {
                            Once(ref seenInResources, 1, path with { Field = ".resources" }, "requests");
                            hasRequests = Amounts(ref reader, path, limits: false, out requests);
                        }
                        else if (reader.ValueTextEquals("limits"u8))
                        {
                            Once(ref seenInResources, 2, path with { Field = ".resources" }, "limits");
                            hasLimits = Amounts(ref reader, path, limits: true, out limits);
                        }
                        else
                        {
                            SkipValue(ref reader);
                        }
                    }
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            var role = !isInit ? ContainerRole.Container : restartPolicy == "Always" ? ContainerRole.Sidecar : ContainerRole.Init;
            into.Add(new ContainerResources(PointerTo(isInit, index), name ?? string.Empty, role, hasResources, hasRequests, hasLimits, requests, limits));
            index++;
        }
    }

    /// <summary>Reads a requests or limits map; false when it is absent (null).</summary>
    private static bool Amounts(ref Utf8JsonReader reader, FieldPath container, bool limits, out ResourceAmounts amounts)
    {
        amounts = default;
        if (!Value(ref reader, JsonTokenType.StartObject, container with { Field = limits ? ".resources.limits" : ".resources.requests" }))
        {
            return false;
        }

        long? cpu = null, memory = null;
        decimal? exactCpu = null, exactMemory = null;
        var seen = 0;
        var where = container with { Field = limits ? ".resources.limits" : ".resources.requests" };
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("cpu"u8))
            {
                Once(ref seen, 1, where, "cpu");
                (cpu, exactCpu) = Quantity(ref reader, container with { Field = limits ? ".resources.limits.cpu" : ".resources.requests.cpu" }, 1000m);
            }
            else if (reader.ValueTextEquals("memory"u8))
            {
                Once(ref seen, 2, where, "memory");
                (memory, exactMemory) = Quantity(ref reader, container with { Field = limits ? ".resources.limits.memory" : ".resources.requests.memory" }, 1m);
            }
            else
            {
                SkipValue(ref reader);
            }
        }

        amounts = new ResourceAmounts(cpu, memory)
        {
            UnroundedCpuCores = exactCpu is { } c && c * 1000m != cpu ? c : null,
            UnroundedMemoryBytes = exactMemory is { } m && m != memory ? m : null,
        };
        return true;
    }

    /// <summary>A quantity in whole units of <paramref name="unit"/> per one (rounded up), and its exact value; nulls when null.</summary>
    private static (long? Rounded, decimal? Exact) Quantity(ref Utf8JsonReader reader, FieldPath path, decimal unit)
    {
        reader.Read();
        // The API server writes quantities as strings; a number is accepted as its literal text.
        var text = reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
            _ => throw new PodFormatException($"{path} is {JsonKinds.Describe(reader.TokenType)}, not a quantity"),
        };
        if (text is null)
        {
            return (null, null);
        }

        var rounded = unit == 1000m
            ? Quantities.Quantity.TryParseMillicores(text, out var amount)
            : Quantities.Quantity.TryParseBytes(text, out amount);
        return rounded && Quantities.Quantity.TryParse(text, out var exact)
            ? (amount, exact)
            : throw new PodFormatException($"{path} '{Shorten(text)}' is not a quantity resorcerer can read");
    }

    private static void ReadLabels(ref Utf8JsonReader reader, Dictionary<string, string> labels)
    {
        if (!Value(ref reader, JsonTokenType.StartObject, new FieldPath("metadata.labels")))
        {
            return;
        }

        var skipSeen = 0;
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals(SkipLabel))
            {
                Once(ref skipSeen, 1, "metadata.labels", ResorcererKeys.SkipLabel);
            }

            var name = reader.GetString()!;
            reader.Read();
            labels[name] = reader.TokenType == JsonTokenType.String
                ? KnownStrings.Read(ref reader)
                : throw new PodFormatException($"metadata.labels.{Shorten(name)} is {JsonKinds.Describe(reader.TokenType)}, not a string");
        }
    }

    private static void ReadOwners(ref Utf8JsonReader reader, List<OwnerReference> owners)
    {
        if (!Value(ref reader, JsonTokenType.StartArray, new FieldPath("metadata.ownerReferences")))
        {
            return;
        }

        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var path = new FieldPath("metadata.ownerReferences", index++);
            Expect(ref reader, JsonTokenType.StartObject, path);
            string? kind = null, name = null;
            var controller = false;
            var seen = 0;
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("kind"u8))
                {
                    Once(ref seen, 1, path, "kind");
                    kind = Text(ref reader, path with { Field = ".kind" });
                }
                else if (reader.ValueTextEquals("name"u8))
                {
                    Once(ref seen, 2, path, "name");
                    name = Text(ref reader, path with { Field = ".name" });
                }
                else if (reader.ValueTextEquals("controller"u8))
                {
                    Once(ref seen, 4, path, "controller");
                    reader.Read();
                    controller = reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False or JsonTokenType.Null => false,
                        _ => throw new PodFormatException($"{path with { Field = ".controller" }} is {JsonKinds.Describe(reader.TokenType)}, not true or false"),
                    };
                }
                else
                {
                    SkipValue(ref reader);
                }
            }

            owners.Add(new OwnerReference(kind ?? string.Empty, name ?? string.Empty, controller));
        }
    }

    private static readonly byte[] SkipLabel = Encoding.UTF8.GetBytes(ResorcererKeys.SkipLabel);

    /// <summary>Marks a key of the object being read as seen; a second time makes the pod unreadable.</summary>
    private static void Once(ref int seen, int bit, FieldPath where, string key)
    {
        if ((seen & bit) != 0)
        {
            throw new PodFormatException($"{where} gives '{key}' twice", PodFormatException.DuplicateKeys);
        }

        seen |= bit;
    }

    private static void Once(ref int seen, int bit, string where, string key) => Once(ref seen, bit, new FieldPath(where), key);

    /// <summary>Moves to the next property name of the object being read; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader) => reader.Read() && reader.TokenType == JsonTokenType.PropertyName;

    /// <summary>Moves to the value of the current property: false when it is null, an error when of another type.</summary>
    private static bool Value(ref Utf8JsonReader reader, JsonTokenType expected, FieldPath path)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        Expect(ref reader, expected, path);
        return true;
    }

    private static string? Text(ref Utf8JsonReader reader, FieldPath path) =>
        Value(ref reader, JsonTokenType.String, path) ? KnownStrings.Read(ref reader) : null;

    private static void SkipValue(ref Utf8JsonReader reader)
    {
        reader.Read();
        reader.Skip();
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected, FieldPath path)
    {
        if (reader.TokenType != expected)
        {
            throw new PodFormatException($"{path} is {JsonKinds.Describe(reader.TokenType)}, not {JsonKinds.Describe(expected)}");
        }
    }

    // JSON Pointers of the first containers, made once: most pods have a handful.
    private static readonly string[] ContainerPointers = [.. Enumerable.Range(0, 8).Select(i => $"/spec/containers/{i}")];
    private static readonly string[] InitContainerPointers = [.. Enumerable.Range(0, 8).Select(i => $"/spec/initContainers/{i}")];

    private static string PointerTo(bool isInit, int index)
    {
        var known = isInit ? InitContainerPointers : ContainerPointers;
        return index < known.Length ? known[index] : $"/spec/{(isInit ? "initContainers" : "containers")}/{index}";
    }

    /// <summary>Where a field is, as error messages name it (<c>spec.containers[1].resources</c>); a string only when one is needed.</summary>
    private readonly record struct FieldPath(string Parent, int Index = -1, string Field = "")
    {
        public override string ToString() => Index < 0 ? Parent + Field : $"{Parent}[{Index}]{Field}";
    }

    private static string? Shorten(string? text) => text is { Length: > 64 } ? text[..64] + "..." : text;
}
