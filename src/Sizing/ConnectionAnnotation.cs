using System.Buffers;
using System.Text;
using System.Text.Json;
using Resorcerer.Profiles;

namespace Resorcerer.Sizing;

/// <summary>
/// The <c>resorcerer.io/connection-profile</c> annotation: compact JSON of a workload's heaviest connections,
/// <c>{"out":[{"peer":"ns/Kind/name","rpm":..,"rpm_p95":..,"bps":..,"bps_p95":..,"errors":..}],"in":[..],"omitted":{"out":N,"in":N}}</c>.
/// rpm is requests plus responses per minute and bps bytes per second (averages over the profile's window, and
/// their 95th percentiles); errors is the failed share of responses, when the mesh gives it. The annotation
/// shares the pod's 256 KiB annotation budget, so it holds at most a few edges and never more than
/// <see cref="MaxBytes"/>; the edges left out are counted.
/// </summary>
public static class ConnectionAnnotation
{
    public const int DefaultMaxEdges = 5;
    public const int MostEdges = 50;
    public const int MaxBytes = 4096;

    /// <summary>The annotation's value, or null when there is nothing to say.</summary>
    public static string? Format(ConnectionProfile? connections, int maxEdges)
    {
        if (connections is null || connections.IsEmpty || maxEdges <= 0)
        {
            return null;
        }

        for (var edges = Math.Min(maxEdges, MostEdges); ; edges--)
        {
            var json = Write(connections, edges);
            if (json.Length <= MaxBytes || edges == 0)
            {
                return json;
            }
        }
    }

    private static string Write(ConnectionProfile connections, int edges)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            Edges("out", connections.Outbound);
            Edges("in", connections.Inbound);
            if (connections.Outbound.Count > edges || connections.Inbound.Count > edges)
            {
                writer.WriteStartObject("omitted");
                writer.WriteNumber("out", Math.Max(0, connections.Outbound.Count - edges));
                writer.WriteNumber("in", Math.Max(0, connections.Inbound.Count - edges));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();

            void Edges(string name, IReadOnlyList<ConnectionEdge> list)
            {
                writer.WriteStartArray(name);
                foreach (var edge in list.Order(ConnectionEdge.Heaviest).Take(edges))
                {
                    writer.WriteStartObject();
                    writer.WriteString("peer", edge.Peer.ToString());
                    writer.WriteNumber("rpm", Math.Round(edge.RequestsPerMinute, 1));
                    writer.WriteNumber("rpm_p95", Math.Round(edge.RequestsPerMinuteP95, 1));
                    writer.WriteNumber("bps", Math.Round(edge.BytesPerSecond));
                    writer.WriteNumber("bps_p95", Math.Round(edge.BytesPerSecondP95));
                    if (edge.ErrorRatio is { } errors)
                    {
                        writer.WriteNumber("errors", Math.Round(errors, 4));
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
