using System.Text.Json;
using Resorcerer.Webhook.Json;
using Resorcerer.Webhook.Patching;

namespace Resorcerer.Webhook.Admission;

// The admission.k8s.io/v1 types, reduced to the fields resorcerer reads and writes
// (KubernetesClient has no model for them). They are read from and written to UTF-8 directly: the webhook
// is on the path of every pod creation, and a serializer's object graph is work it does not need.

/// <summary>
/// The request of an AdmissionReview. The pod in <c>request.object</c> is read as it goes by: <see cref="Pod"/>
/// when it could be read, else <see cref="PodProblem"/> says why (both null when there is no object).
/// </summary>
public sealed record AdmissionRequest
{
    public required string Uid { get; init; }

    public GroupVersionKind? Kind { get; init; }

    public string? SubResource { get; init; }

    public string? Namespace { get; init; }

    public string? Operation { get; init; }

    public AdmittedPod? Pod { get; init; }

    public string? PodProblem { get; init; }

    /// <summary>What <see cref="PodProblem"/> is counted as: <c>malformed_pod</c> or <c>duplicate_keys</c>.</summary>
    public string? PodProblemReason { get; init; }

    public bool? DryRun { get; init; }
}

public sealed record GroupVersionKind(string? Group, string? Version, string? Kind);

/// <summary>
/// The answer: always allowed; a JSON Patch when the pod changes (<see cref="EncodedPatch"/>: already base64, as a
/// JSON string with its quotes); warnings shown to the user.
/// </summary>
public sealed record AdmissionResponse(string Uid, ReadOnlyMemory<byte>? EncodedPatch = null, IReadOnlyList<string>? Warnings = null);

/// <summary>What <see cref="AdmissionReview.Envelope"/> makes out of a body, readable or not.</summary>
public readonly record struct ReviewEnvelope(string? ApiVersion, string? Kind, string? Uid)
{
    /// <summary>Stands for a value that is there but cannot be read as a string.</summary>
    public const string Unreadable = "\0unreadable";

    /// <summary>The uid to answer: there, readable and not empty.</summary>
    public string? AnswerableUid => Uid is { Length: > 0 } uid && uid != Unreadable ? uid : null;

    /// <summary>
    /// Whether the body says it is an <c>admission.k8s.io/v1</c> AdmissionReview, or at least does not say it is
    /// something else (its apiVersion or kind cannot be read).
    /// </summary>
    public bool MayBeV1Review => ApiVersion is AdmissionReview.V1 or Unreadable && Kind is "AdmissionReview" or Unreadable;
}

/// <summary>The body is not an <c>admission.k8s.io/v1</c> AdmissionReview; the message says why.</summary>
public sealed class AdmissionFormatException(string message) : Exception(message);

public static class AdmissionReview
{
    public const string V1 = "admission.k8s.io/v1";

    /// <summary>
    /// The request of the AdmissionReview in <paramref name="body"/>, read in one forward pass (the pod with it).
    /// Throws <see cref="AdmissionFormatException"/> saying what is wrong with a review, or
    /// <see cref="JsonException"/> for a body that is not JSON. A pod of the wrong shape is not an error here.
    /// </summary>
    public static AdmissionRequest ReadRequest(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = PodReader.MaxDepth });
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (it is {JsonKinds.Describe(reader.TokenType)}, not an object)");
        }

        string? apiVersion = null, kind = null;
        AdmissionRequest? request = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("apiVersion"u8))
            {
                Once(ref seen, 1, "apiVersion");
                apiVersion = String(ref reader, "apiVersion");
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                Once(ref seen, 2, "kind");
                kind = String(ref reader, "kind");
            }
            else if (reader.ValueTextEquals("request"u8))
            {
                Once(ref seen, 4, "request");
                reader.Read();
                request = reader.TokenType == JsonTokenType.Null ? null : Request(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Nothing may follow the review (the reader throws on anything but white space).
        reader.Read();
        if (kind != "AdmissionReview" || apiVersion != V1)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (apiVersion '{Shorten(apiVersion)}', kind '{Shorten(kind)}')");
        }

        return request ?? throw new AdmissionFormatException("is an AdmissionReview that has no request.uid to answer");
    }

    /// <summary>The <c>request.uid</c> of a (possibly cut) AdmissionReview, if it appears in the bytes given.</summary>
    public static string? FindUid(ReadOnlySpan<byte> json) => Envelope(json, complete: false).Uid;

    /// <summary>
    /// What can be made out of a body whatever is wrong with it: its <c>apiVersion</c>, <c>kind</c> and
    /// <c>request.uid</c>, each null when absent and <see cref="ReviewEnvelope.Unreadable"/> when present but not a
    /// readable string (another type, a lone surrogate); bad UTF-8 reads as U+FFFD, as Go's decoder reads it. Reads on past anything it can, nested as deep as
    /// the body goes; a cut body (<paramref name="complete"/> false) gives what came before the cut. As JSON
    /// decoders do, a key given twice counts by its last value.
    /// </summary>
    public static ReviewEnvelope Envelope(ReadOnlySpan<byte> json, bool complete)
    {
        string? apiVersion = null, kind = null, uid = null;
        var reader = new Utf8JsonReader(json, isFinalBlock: complete, new JsonReaderState(new JsonReaderOptions { MaxDepth = 1_000_000 }));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var depth = reader.CurrentDepth;
                if (depth == 1 && reader.ValueTextEquals("apiVersion"u8))
                {
                    apiVersion = Tolerant(ref reader);
                }
                else if (depth == 1 && reader.ValueTextEquals("kind"u8))
                {
                    kind = Tolerant(ref reader);
                }
                else if (depth == 1 && reader.ValueTextEquals("request"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    {
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("uid"u8))
                        {
                            uid = Tolerant(ref reader);
                        }
                        else if (!reader.Read() || !reader.TrySkip())
                        {
                            return new ReviewEnvelope(apiVersion, kind, uid);
                        }
                    }
                }
                else if (!reader.Read() || !reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // What was read before the bad part stands.
        }

        return new ReviewEnvelope(apiVersion, kind, uid);

        static string? Tolerant(ref Utf8JsonReader reader)
        {
            if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
            {
                return null;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                reader.TrySkip();
                return ReviewEnvelope.Unreadable;
            }

            try
            {
                return reader.GetString();
            }
            catch (InvalidOperationException) when (!reader.ValueIsEscaped && !reader.HasValueSequence)
            {
                // Bad UTF-8, read as the API server's decoder reads it: each bad byte a U+FFFD.
                return System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            }
            catch (InvalidOperationException)
            {
                return ReviewEnvelope.Unreadable;
            }
        }
    }

    /// <summary>The <c>request</c> object the reader is on, or null when it has no uid.</summary>
    private static AdmissionRequest? Request(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (request is {JsonKinds.Describe(reader.TokenType)}, not an object)");
        }

        string? uid = null, subResource = null, ns = null, operation = null, podProblem = null, podProblemReason = null;
        GroupVersionKind? gvk = null;
        AdmittedPod? pod = null;
        bool? dryRun = null;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("uid"u8))
            {
                Once(ref seen, 1, "request.uid");
                uid = String(ref reader, "request.uid");
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                Once(ref seen, 2, "request.kind");
                gvk = Kind(ref reader);
            }
            else if (reader.ValueTextEquals("subResource"u8))
            {
                Once(ref seen, 4, "request.subResource");
                subResource = String(ref reader, "request.subResource");
            }
            else if (reader.ValueTextEquals("namespace"u8))
            {
                Once(ref seen, 8, "request.namespace");
                ns = String(ref reader, "request.namespace");
            }
            else if (reader.ValueTextEquals("operation"u8))
            {
                Once(ref seen, 16, "request.operation");
                operation = String(ref reader, "request.operation");
            }
            else if (reader.ValueTextEquals("dryRun"u8))
            {
                Once(ref seen, 32, "request.dryRun");
                reader.Read();
                dryRun = reader.TokenType switch
                {
                    JsonTokenType.Null => null,
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw new AdmissionFormatException($"is not an {V1} AdmissionReview (request.dryRun is {JsonKinds.Describe(reader.TokenType)}, not true or false)"),
                };
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                Once(ref seen, 64, "request.object");
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    (pod, podProblem, podProblemReason) = Pod(ref reader);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return uid is { Length: > 0 }
            ? new AdmissionRequest
            {
                Uid = uid,
                Kind = gvk,
                SubResource = subResource,
                Namespace = ns,
                Operation = operation,
                Pod = pod,
                PodProblem = podProblem,
                PodProblemReason = podProblemReason,
                DryRun = dryRun,
            }
            : null;
    }

    /// <summary>The pod the reader is on, or why it cannot be read; the reader ends on the pod's last token either way.</summary>
    private static (AdmittedPod? Pod, string? Problem, string? Reason) Pod(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var nested = reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray;
        try
        {
            return (PodReader.Read(ref reader), null, null);
        }
        catch (PodFormatException e)
        {
            // Read on to the end of the pod: the rest of the review still counts.
            while (nested && !(reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray))
            {
                reader.Read();
            }

            return (null, e.Message, e.Reason);
        }
    }

    /// <summary>Marks a key of the review as seen: one given twice makes the review unreadable (its uid, if readable, is still answered).</summary>
    private static void Once(ref int seen, int bit, string path)
    {
        if ((seen & bit) != 0)
        {
            throw new AdmissionFormatException($"gives {path} twice");
        }

        seen |= bit;
    }

    private static GroupVersionKind? Kind(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new AdmissionFormatException($"is not an {V1} AdmissionReview (request.kind is {JsonKinds.Describe(reader.TokenType)}, not an object)");
        }

        string? group = null, version = null, kind = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("group"u8))
            {
                group = String(ref reader, "request.kind.group");
            }
            else if (reader.ValueTextEquals("version"u8))
            {
                version = String(ref reader, "request.kind.version");
            }
            else if (reader.ValueTextEquals("kind"u8))
            {
                kind = String(ref reader, "request.kind.kind");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new GroupVersionKind(group, version, kind);
    }

    /// <summary>Writes the AdmissionReview that answers <paramref name="response"/>, and flushes the writer.</summary>
    public static void Write(Utf8JsonWriter writer, AdmissionResponse response)
    {
        writer.WriteStartObject();
        writer.WriteString("apiVersion"u8, V1);
        writer.WriteString("kind"u8, "AdmissionReview"u8);
        writer.WriteStartObject("response"u8);
        writer.WriteString("uid"u8, response.Uid);
        writer.WriteBoolean("allowed"u8, true);
        if (response.EncodedPatch is { Length: > 0 } patch)
        {
            writer.WriteString("patchType"u8, "JSONPatch"u8);
            writer.WritePropertyName("patch"u8);
            writer.WriteRawValue(patch.Span, skipInputValidation: true);
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
        writer.Flush();
    }

    /// <summary>The string value of the property the reader is on (null when null), or an error naming the field.</summary>
    private static string? String(ref Utf8JsonReader reader, string path)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => KnownStrings.Read(ref reader),
            _ => throw new AdmissionFormatException($"is not an {V1} AdmissionReview ({path} is {JsonKinds.Describe(reader.TokenType)}, not a string)"),
        };
    }

    internal static string? Shorten(string? text) => text is { Length: > 120 } ? text[..120] + "..." : text;
}
