using System.Buffers;
using System.Text.Json;

namespace Resorcerer.Profiler.NodeLoad;

/// <summary>
/// The JSON the load watcher's encoder writes (its <c>watcher_json.go</c>), field for field and in its order:
/// <c>timestamp</c>, <c>window{duration,start,end}</c>, <c>source</c>, <c>data.NodeMetricsMap.NODE{metrics[{name,
/// type,operator,rollup,value}],tags{},metadata{dataCenter}}</c>.
/// </summary>
public static class WatcherJson
{
    /// <summary>The whole window, or only <paramref name="host"/>'s entry when given (the caller checks that it exists).</summary>
    public static byte[] Write(NodeLoadWindow window, string? host = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (host is null ? window.Nodes.Count * 700 : 700));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("timestamp", window.Timestamp);
            json.WriteStartObject("window");
            json.WriteString("duration", window.Duration);
            json.WriteNumber("start", window.Start);
            json.WriteNumber("end", window.End);
            json.WriteEndObject();
            json.WriteString("source", window.Source);
            json.WriteStartObject("data");
            json.WriteStartObject("NodeMetricsMap");
            if (host is not null)
            {
                WriteNode(json, host, window.Nodes[host]);
            }
            else
            {
                foreach (var (node, metrics) in window.Nodes)
                {
                    WriteNode(json, node, metrics);
                }
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteNode(Utf8JsonWriter json, string node, IReadOnlyList<NodeLoadMetric> metrics)
    {
        json.WriteStartObject(node);
        json.WriteStartArray("metrics");
        foreach (var metric in metrics)
        {
            json.WriteStartObject();
            json.WriteString("name", metric.Name);
            json.WriteString("type", metric.Type);
            json.WriteString("operator", metric.Operator);
            json.WriteString("rollup", metric.Rollup);
            json.WriteNumber("value", metric.Value);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("tags");
        json.WriteEndObject();
        json.WriteStartObject("metadata");
        json.WriteString("dataCenter", string.Empty);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
