using System.Globalization;
using System.Net;
using System.Text;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>
/// The service graph one hop around a workload, drawn as SVG: who calls it on the left, whom it calls on the right,
/// each edge as wide as its traffic (requests a minute, on a log scale), each profiled peer a link to its page.
/// </summary>
public static class NeighbourGraph
{
    public const int MaxPerSide = 12;

    private const int Width = 900, NodeWidth = 240, NodeHeight = 26, Row = 34, Margin = 10;

    public static string Svg(WorkloadRef self, ConnectionProfile? connections)
    {
        var inbound = (connections?.Inbound ?? []).Take(MaxPerSide).ToList();
        var outbound = (connections?.Outbound ?? []).Take(MaxPerSide).ToList();
        var rows = Math.Max(1, Math.Max(inbound.Count, outbound.Count));
        var height = rows * Row + 2 * Margin + (connections is { } c && (c.Inbound.Count > MaxPerSide || c.Outbound.Count > MaxPerSide) ? 16 : 0);
        var heaviest = inbound.Concat(outbound).Select(e => e.RequestsPerMinute).DefaultIfEmpty(0).Max();
        var selfX = (Width - NodeWidth) / 2;
        var selfY = Margin + (rows * Row - NodeHeight) / 2;

        var svg = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"")
            .Append(Text($"service graph around {self}: {inbound.Count} caller(s), {outbound.Count} callee(s)")).Append("\">");

        void Side(IReadOnlyList<ConnectionEdge> edges, bool left)
        {
            var top = Margin + (rows - edges.Count) * Row / 2;
            for (var i = 0; i < edges.Count; i++)
            {
                var edge = edges[i];
                var x = left ? Margin : Width - Margin - NodeWidth;
                var y = top + i * Row + (Row - NodeHeight) / 2;
                var (x1, x2) = left ? (x + NodeWidth, selfX) : (selfX + NodeWidth, x);
                var (y1, y2) = left ? (y + NodeHeight / 2, selfY + NodeHeight / 2) : (selfY + NodeHeight / 2, y + NodeHeight / 2);
                var stroke = 1 + 5 * (heaviest <= 0 ? 0 : Math.Log(1 + edge.RequestsPerMinute) / Math.Log(1 + heaviest));
                var what = $"{(left ? edge.Peer + " -> " + self : self + " -> " + edge.Peer)}: {edge.RequestsPerMinute:0.#} requests/min (p95 {edge.RequestsPerMinuteP95:0.#}), {Bytes(edge.BytesPerSecond)}/s"
                    + (edge.ErrorRatio is { } errors ? $", {errors:0.##%} errors" : string.Empty) + $" ({edge.Mesh})";
                svg.Append(CultureInfo.InvariantCulture, $"<path class=\"edge\" d=\"M{x1},{y1} C{(x1 + x2) / 2},{y1} {(x1 + x2) / 2},{y2} {x2},{y2}\" stroke-width=\"{stroke:0.#}\"><title>{Text(what)}</title></path>");
                Node(edge.Peer, x, y, isSelf: false);
            }
        }

        void Node(WorkloadRef workload, int x, int y, bool isSelf)
        {
            var linked = !isSelf && workload.Kind != WorkloadKinds.Unmeshed && workload.Namespace != "*";
            var label = workload.Kind == WorkloadKinds.Unmeshed ? "clients without a mesh proxy"
                : workload.Namespace == self.Namespace ? $"{workload.Kind}/{workload.Name}" : workload.ToString();
            if (label.Length > 32)
            {
                label = label[..31] + "\u2026";
            }

            svg.Append(linked ? $"<a href=\"{Text(DashboardLinks.Workload(workload))}\">" : string.Empty)
                .Append(CultureInfo.InvariantCulture, $"<g class=\"node{(isSelf ? " self" : string.Empty)}\"><rect x=\"{x}\" y=\"{y}\" width=\"{NodeWidth}\" height=\"{NodeHeight}\" rx=\"4\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 8}\" y=\"{y + 17}\">{Text(label)}</text><title>{Text(workload.ToString())}</title></g>")
                .Append(linked ? "</a>" : string.Empty);
        }

        Side(inbound, left: true);
        Side(outbound, left: false);
        Node(self, selfX, selfY, isSelf: true);
        if (connections is { } all && (all.Inbound.Count > MaxPerSide || all.Outbound.Count > MaxPerSide))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Margin}\" y=\"{height - 4}\" class=\"tick\">the {MaxPerSide} heaviest each way are drawn; the table lists them all</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string Bytes(double perSecond) => perSecond >= 1 << 20 ? $"{perSecond / (1 << 20):0.#} MiB" : perSecond >= 1 << 10 ? $"{perSecond / (1 << 10):0.#} KiB" : $"{perSecond:0} B";

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}
