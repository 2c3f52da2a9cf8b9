using System.Globalization;
using System.Text;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Connections;

/// <summary>A workload in the service graph; <see cref="Profiled"/> when resorcerer holds its profile.</summary>
public sealed record GraphNode(string Id, string Namespace, string Kind, string Name, bool Profiled);

/// <summary>Traffic from <see cref="Source"/> to <see cref="Target"/> (node ids), weighted as in <see cref="ConnectionEdge"/>.</summary>
public sealed record GraphEdge(
    string Source,
    string Target,
    string Mesh,
    double RequestsPerMinute,
    double RequestsPerMinuteP95,
    double BytesPerSecond,
    double BytesPerSecondP95,
    double? ErrorRatio);

/// <summary>
/// Who talks to whom, from the stored profiles' connections: as JSON for tools, and as Graphviz DOT or Mermaid
/// for people. An edge between two profiled workloads is stored twice (outbound at one end, inbound at the
/// other); the graph holds it once.
/// </summary>
public sealed record ServiceGraph(IReadOnlyList<GraphNode> Nodes, IReadOnlyList<GraphEdge> Edges)
{
    /// <summary>The graph of the profiles, or only the edges that touch <paramref name="namespaceName"/>.</summary>
    public static ServiceGraph From(IEnumerable<WorkloadProfile> profiles, string? namespaceName = null)
    {
        var list = profiles.ToList();
        var profiled = list.Select(p => p.Workload).ToHashSet();
        var edges = new Dictionary<(WorkloadRef From, WorkloadRef To, string Mesh), ConnectionEdge>();
        foreach (var profile in list.Where(p => p.Connections is not null))
        {
            foreach (var edge in profile.Connections!.Outbound)
            {
                edges[(profile.Workload, edge.Peer, edge.Mesh)] = edge;
            }
        }

        foreach (var profile in list.Where(p => p.Connections is not null))
        {
            foreach (var edge in profile.Connections!.Inbound)
            {
                edges.TryAdd((edge.Peer, profile.Workload, edge.Mesh), edge);
            }
        }

        bool InScope(WorkloadRef workload) => namespaceName is null || workload.Namespace == namespaceName;
        var kept = edges.Where(e => InScope(e.Key.From) || InScope(e.Key.To))
            .OrderBy(e => e.Key.From.ToString(), StringComparer.Ordinal).ThenBy(e => e.Key.To.ToString(), StringComparer.Ordinal).ThenBy(e => e.Key.Mesh, StringComparer.Ordinal)
            .ToList();
        var nodes = kept.SelectMany(e => new[] { e.Key.From, e.Key.To })
            .Concat(profiled.Where(InScope))
            .Distinct()
            .OrderBy(w => w.ToString(), StringComparer.Ordinal)
            .Select(w => new GraphNode(w.ToString(), w.Namespace, w.Kind, w.Name, profiled.Contains(w)))
            .ToList();
        return new ServiceGraph(
            nodes,
            kept.Select(e => new GraphEdge(e.Key.From.ToString(), e.Key.To.ToString(), e.Key.Mesh, e.Value.RequestsPerMinute,
                e.Value.RequestsPerMinuteP95, e.Value.BytesPerSecond, e.Value.BytesPerSecondP95, e.Value.ErrorRatio)).ToList());
    }

    /// <summary>Graphviz DOT: one cluster per namespace, edges labelled with their requests per minute and bytes per second.</summary>
    public string ToDot()
    {
        var dot = new StringBuilder("digraph services {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
        var index = 0;
        foreach (var group in Nodes.GroupBy(n => n.Namespace))
        {
            dot.Append(CultureInfo.InvariantCulture, $"  subgraph cluster_{index++} {{\n    label={Quote(group.Key == ConnectionEdge.UnmeshedClients.Namespace ? "no mesh proxy" : group.Key)};\n");
            foreach (var node in group)
            {
                var style = node.Profiled ? string.Empty : ", style=\"rounded,dashed\"";
                dot.Append(CultureInfo.InvariantCulture, $"    {Quote(node.Id)} [label={Quote(Label(node, "\n"))}{style}];\n");
            }

            dot.Append("  }\n");
        }

        foreach (var edge in Edges)
        {
            dot.Append(CultureInfo.InvariantCulture, $"  {Quote(edge.Source)} -> {Quote(edge.Target)} [label={Quote(Weight(edge))}];\n");
        }

        return dot.Append("}\n").ToString();

        static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A Mermaid flowchart, left to right.</summary>
    public string ToMermaid()
    {
        var ids = Nodes.Select((node, i) => (node.Id, Short: $"n{i}")).ToDictionary(n => n.Id, n => n.Short);
        var mermaid = new StringBuilder("flowchart LR\n");
        foreach (var node in Nodes)
        {
            mermaid.Append(CultureInfo.InvariantCulture, $"  {ids[node.Id]}[\"{Escape(Label(node, "<br/>"))}\"]\n");
        }

        foreach (var edge in Edges)
        {
            mermaid.Append(CultureInfo.InvariantCulture, $"  {ids[edge.Source]} -->|\"{Escape(Weight(edge))}\"| {ids[edge.Target]}\n");
        }

        return mermaid.ToString();

        static string Escape(string text) => text.Replace("\"", "#quot;", StringComparison.Ordinal);
    }

    private static string Label(GraphNode node, string lineBreak) =>
        node.Kind == WorkloadKinds.Unmeshed ? "unmeshed clients" : $"{node.Namespace}/{node.Name}{lineBreak}{node.Kind}";

    private static string Weight(GraphEdge edge) =>
        string.Create(CultureInfo.InvariantCulture, $"{edge.RequestsPerMinute:0.#} rpm, {Bytes(edge.BytesPerSecond)}/s") +
        (edge.ErrorRatio is > 0 and var errors ? string.Create(CultureInfo.InvariantCulture, $", {errors:0.#%} errors") : string.Empty);

    private static string Bytes(double perSecond) => perSecond switch
    {
        >= 1e9 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e9:0.#} GB"),
        >= 1e6 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e6:0.#} MB"),
        >= 1e3 => string.Create(CultureInfo.InvariantCulture, $"{perSecond / 1e3:0.#} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{perSecond:0} B"),
    };
}
