using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Resorcerer.Sizing;

/// <summary>One RFC 6902 operation.</summary>
public sealed record PatchOperation(string Op, string Path, JsonNode? Value)
{
    public static PatchOperation Add(string path, JsonNode? value) => new("add", path, value);

    public static PatchOperation Replace(string path, JsonNode? value) => new("replace", path, value);

    /// <summary>Escapes one reference token of a JSON Pointer (RFC 6901): <c>~</c> as <c>~0</c>, <c>/</c> as <c>~1</c>.</summary>
    public static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>The operations as the JSON array kube-apiserver expects, written straight to UTF-8.</summary>
    public static byte[] ToJson(IEnumerable<PatchOperation> operations)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var operation in operations)
            {
                writer.WriteStartObject();
                writer.WriteString("op"u8, operation.Op);
                writer.WriteString("path"u8, operation.Path);
                writer.WritePropertyName("value"u8);
                if (operation.Value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    operation.Value.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>JSON without needless escapes (quotes inside annotation values stay <c>\"</c>, not <c>\u0022</c>).</summary>
    public static JsonSerializerOptions Readable { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
