using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resorcerer.Profiler.Tests.NodeLoad;

/// <summary>
/// A strict decoder written from the load watcher's Go types (<c>pkg/watcher/watcher.go</c>): every field its
/// encoder writes is required, under its exact name, and an unknown field fails.
/// </summary>
public static class LoadWatcherDecoder
{
    public sealed record WatcherMetrics(
        [property: JsonPropertyName("timestamp")] long Timestamp,
        [property: JsonPropertyName("window")] Window Window,
        [property: JsonPropertyName("source")] string Source,
        [property: JsonPropertyName("data")] Data Data);

    public sealed record Window(
        [property: JsonPropertyName("duration")] string Duration,
        [property: JsonPropertyName("start")] long Start,
        [property: JsonPropertyName("end")] long End);

    public sealed record Data([property: JsonPropertyName("NodeMetricsMap")] Dictionary<string, NodeMetrics> NodeMetricsMap);

    public sealed record NodeMetrics(
        [property: JsonPropertyName("metrics")] List<Metric> Metrics,
        [property: JsonPropertyName("tags")] Tags Tags,
        [property: JsonPropertyName("metadata")] Metadata Metadata);

    public sealed record Metric(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("operator")] string Operator,
        [property: JsonPropertyName("rollup")] string Rollup,
        [property: JsonPropertyName("value")] double Value);

    public sealed record Tags;

    public sealed record Metadata([property: JsonPropertyName("dataCenter")] string DataCenter);

    private static readonly JsonSerializerOptions Strict = new()
    {
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    public static WatcherMetrics Decode(string json) => JsonSerializer.Deserialize<WatcherMetrics>(json, Strict)!;

    /// <summary>The names of an object's fields in the order written, for the encoder's field order.</summary>
    public static IReadOnlyList<string> FieldOrder(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();
}
