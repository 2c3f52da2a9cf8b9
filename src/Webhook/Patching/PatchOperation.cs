using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Resorcerer.Webhook.Patching;

/// <summary>One RFC 6902 operation.</summary>
public sealed record PatchOperation(string Op, string Path, JsonNode? Value)
{
    public static PatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    public static PatchOperation Replace(string path, JsonNode? value) => new("replace", path, value);

    /// <summary>Escapes one reference token of a JSON Pointer (RFC 6901): <c>~</c> as <c>~0</c>, <c>/</c> as <c>~1</c>.</summary>
    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>The operations as the JSON array kube-apiserver expects.</summary>
    public static byte[] ToJson(IEnumerable<PatchOperation> operations)
    {
        var array = new JsonArray();
        foreach (var operation in operations)
        {
            array.Add(new JsonObject
            {
                ["op"] = operation.Op,
                ["path"] = operation.Path,
                ["value"] = operation.Value?.DeepClone(),
            });
        }

        return JsonSerializer.SerializeToUtf8Bytes(array, Readable);
    }

    /// <summary>JSON without needless escapes (quotes inside annotation values stay <c>\"</c>, not <c>\u0022</c>).</summary>
    public static JsonSerializerOptions Readable { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
