using System.Buffers;
using System.Text.Json;
using Resorcerer.Webhook.Json;

namespace Resorcerer.Webhook.Admission;

// The admission.k8s.io/v1 types, reduced to the fields resorcerer reads and writes
// (KubernetesClient has no model for them). They are read from and written to UTF-8 directly: the webhook
// is on the path of every pod creation, and a serializer's object graph is work it does not need.

/// <summary>The request of an AdmissionReview. <see cref="Object"/> lives as long as the parsed body.</summary>
public sealed record AdmissionRequest
{
    public required string Uid { get; init; }

    public GroupVersionKind? Kind { get; init; }

    public string? SubResource { get; init; }

    public string? Namespace { get; init; }

    public string? Operation { get; init; }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "The field is called object in the Kubernetes API.")]
    public JsonElement? Object { get; init; }

    public bool? DryRun { get; init; }
}

public sealed record GroupVersionKind(string? Group, string? Version, string? Kind);

/// <summary>The answer: always allowed; a JSON Patch when the pod changes; warnings shown to the user.</summary>
public sealed record AdmissionResponse(string Uid, ReadOnlyMemory<byte>? Patch = null, IReadOnlyList<string>? Warnings = null);

/// <summary>The body is not an <c>admission.k8s.io/v1</c> AdmissionReview; the message says why.</summary>
public sealed class AdmissionFormatException(string message) : Exception(message);

public static class AdmissionReview
{
    public const string V1 = "admission.k8s.io/v1";

    /// <summary>The request of an AdmissionReview, or <see cref="AdmissionFormatException"/> saying what is wrong.</summary>
    public static AdmissionRequest ReadRequest(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (it is {JsonKinds.Describe(root.ValueKind)}, not an object)");
        }

        var apiVersion = String(root, "apiVersion", "apiVersion");
        var kind = String(root, "kind", "kind");
        if (kind != "AdmissionReview" || apiVersion != V1)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (apiVersion '{Shorten(apiVersion)}', kind '{Shorten(kind)}')");
        }

        if (!root.TryGetProperty("request"u8, out var request) || request.ValueKind == JsonValueKind.Null)
        {
            throw new AdmissionFormatException("is an AdmissionReview that has no request.uid to answer");
        }

        if (request.ValueKind != JsonValueKind.Object)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (request is {JsonKinds.Describe(request.ValueKind)}, not an object)");
        }

        if (String(request, "uid", "request.uid") is not { Length: > 0 } uid)
        {
            throw new AdmissionFormatException("is an AdmissionReview that has no request.uid to answer");
        }

        GroupVersionKind? gvk = null;
        if (request.TryGetProperty("kind"u8, out var kindObject) && kindObject.ValueKind != JsonValueKind.Null)
        {
            if (kindObject.ValueKind != JsonValueKind.Object)
            {
                throw new AdmissionFormatException($"is not an {V1} AdmissionReview (request.kind is {JsonKinds.Describe(kindObject.ValueKind)}, not an object)");
            }

            gvk = new GroupVersionKind(String(kindObject, "group", "request.kind.group"), String(kindObject, "version", "request.kind.version"),
                String(kindObject, "kind", "request.kind.kind"));
        }

        bool? dryRun = null;
        if (request.TryGetProperty("dryRun"u8, out var dry) && dry.ValueKind != JsonValueKind.Null)
        {
            dryRun = dry.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new AdmissionFormatException($"is not an {V1} AdmissionReview (request.dryRun is {JsonKinds.Describe(dry.ValueKind)}, not true or false)"),
            };
        }

        return new AdmissionRequest
        {
            Uid = uid,
            Kind = gvk,
            SubResource = String(request, "subResource", "request.subResource"),
            Namespace = String(request, "namespace", "request.namespace"),
            Operation = String(request, "operation", "request.operation"),
            Object = request.TryGetProperty("object"u8, out var pod) && pod.ValueKind != JsonValueKind.Null ? pod : null,
            DryRun = dryRun,
        };
    }

    /// <summary>Writes the AdmissionReview that answers <paramref name="response"/>.</summary>
    public static void Write(IBufferWriter<byte> output, AdmissionResponse response)
    {
        using var writer = new Utf8JsonWriter(output);
        writer.WriteStartObject();
        writer.WriteString("apiVersion"u8, V1);
        writer.WriteString("kind"u8, "AdmissionReview"u8);
        writer.WriteStartObject("response"u8);
        writer.WriteString("uid"u8, response.Uid);
        writer.WriteBoolean("allowed"u8, true);
        if (response.Patch is { Length: > 0 } patch)
        {
            writer.WriteString("patchType"u8, "JSONPatch"u8);
            writer.WriteBase64String("patch"u8, patch.Span);
        }

        if (response.Warnings is { Count: > 0 } warnings)
        {
            writer.WriteStartArray("warnings"u8);
            foreach (var warning in warnings)
            {
                writer.WriteStringValue(warning);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string? String(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new AdmissionFormatException($"is not an {V1} AdmissionReview ({path} is {JsonKinds.Describe(value.ValueKind)}, not a string)");
    }

    internal static string? Shorten(string? text) => text is { Length: > 120 } ? text[..120] + "..." : text;
}
