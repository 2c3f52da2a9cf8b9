using System.Text.Json.Nodes;

namespace Resorcerer.DevKit;

/// <summary>
/// A strict RFC 6902 applier (add, remove, replace, test) for the demo and the tests, written apart from the webhook so
/// that it can catch its mistakes: a missing parent, a bad index or an unknown operation throws.
/// </summary>
public static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, byte[] patch) =>
        Apply(document, JsonNode.Parse(patch)?.AsArray() ?? throw new JsonPatchException("patch is not a JSON array"));

    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var result = document.DeepClone();
        foreach (var node in operations)
        {
            var operation = node?.AsObject() ?? throw new JsonPatchException("operation is not an object");
            var op = operation["op"]?.GetValue<string>() ?? throw new JsonPatchException("operation without op");
            var path = operation["path"]?.GetValue<string>() ?? throw new JsonPatchException($"{op} without path");
            var (parent, key) = Resolve(result, path);
            switch (op)
            {
                case "add":
                    Require(operation.ContainsKey("value"), $"add {path} has no value");
                    Add(parent, key, operation["value"]?.DeepClone());
                    break;
                case "replace":
                    Require(operation.ContainsKey("value"), $"replace {path} has no value");
                    Remove(parent, key, path);
                    Add(parent, key, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(parent, key, path);
                    break;
                case "test":
                    Require(JsonNode.DeepEquals(Get(parent, key, path), operation["value"]), $"test {path} failed");
                    break;
                default:
                    throw new JsonPatchException($"unsupported op '{op}'");
            }
        }

        return result;
    }

    private static (JsonNode Parent, string Key) Resolve(JsonNode document, string path)
    {
        Require(path.StartsWith('/'), $"path '{path}' does not start with /");
        var tokens = path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        var current = document;
        foreach (var token in tokens[..^1])
        {
            current = Get(current, token, path) ?? throw new JsonPatchException($"path '{path}' goes through null at '{token}'");
        }

        return (current, tokens[^1]);
    }

    private static JsonNode? Get(JsonNode parent, string key, string path) => parent switch
    {
        JsonObject obj when obj.TryGetPropertyValue(key, out var value) => value,
        JsonArray array when int.TryParse(key, out var i) && i >= 0 && i < array.Count => array[i],
        _ => throw new JsonPatchException($"path '{path}': '{key}' does not exist"),
    };

    private static void Add(JsonNode parent, string key, JsonNode? value)
    {
        switch (parent)
        {
            case JsonObject obj:
                obj[key] = value;
                break;
            case JsonArray array when key == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(key, out var i) && i >= 0 && i <= array.Count:
                array.Insert(i, value);
                break;
            default:
                throw new JsonPatchException($"cannot add '{key}' to a {parent.GetValueKind()}");
        }
    }

    private static void Remove(JsonNode parent, string key, string path)
    {
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(key):
                obj.Remove(key);
                break;
            case JsonArray array when int.TryParse(key, out var i) && i >= 0 && i < array.Count:
                array.RemoveAt(i);
                break;
            default:
                throw new JsonPatchException($"path '{path}' does not exist");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new JsonPatchException(message);
        }
    }
}

public sealed class JsonPatchException(string message) : Exception(message);
