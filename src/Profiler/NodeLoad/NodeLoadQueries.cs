using System.Text.RegularExpressions;

namespace Resorcerer.Profiler.NodeLoad;

/// <summary>Where a node's numbers came from.</summary>
public static class NodeLoadSources
{
    /// <summary>The kube-prometheus recording rules, as the load watcher reads them.</summary>
    public const string Rules = "rules";

    /// <summary>node-exporter's raw series, where the rules are not recorded.</summary>
    public const string NodeExporter = "node-exporter";

    /// <summary>cAdvisor's root cgroup over the machine's size, where node-exporter is absent.</summary>
    public const string Cadvisor = "cadvisor";

    /// <summary>The label each answer carries to say which source it is.</summary>
    public const string Label = "resorcerer_source";
}

/// <summary>
/// The PromQL for node load: one instant query per window, resource and operator (18 a refresh, whatever the
/// number of nodes). Each query asks the three sources in order of preference and joins them with <c>or on
/// (node label)</c>, so that each node is answered by the first source that knows it. Values are ratios (0-1).
/// </summary>
public static partial class NodeLoadQueries
{
    /// <summary>The rate window for counters (the node-mixin rules use 5m) and the subquery step for raw series.</summary>
    public const string RateWindow = "5m", SubqueryStep = "1m";

    public static bool IsLabelName(string label) => LabelName().IsMatch(label);

    /// <summary>The query for one resource (<see cref="LoadWatcherNames.Cpu"/> or Memory), operator and window (e.g. 15m).</summary>
    public static string For(string resource, string @operator, string window, string nodeLabel)
    {
        var by = $"by ({nodeLabel})";
        var (rule, exporter, cadvisor) = resource == LoadWatcherNames.Cpu
            ? (LoadWatcherNames.CpuRule,
               $"(1 - avg {by} (rate(node_cpu_seconds_total{{mode=\"idle\"}}[{RateWindow}])))",
               $"(sum {by} (rate(container_cpu_usage_seconds_total{{id=\"/\"}}[{RateWindow}])) / max {by} (machine_cpu_cores))")
            : (LoadWatcherNames.MemoryRule,
               $"(1 - max {by} (node_memory_MemAvailable_bytes) / max {by} (node_memory_MemTotal_bytes))",
               $"(max {by} (container_memory_working_set_bytes{{id=\"/\"}}) / max {by} (machine_memory_bytes))");

        // A rule is a series already: a range over it. A raw expression is sampled every minute over the window.
        var fromRule = Over(@operator, $"{rule}[{window}]");
        var fromExporter = Over(@operator, $"{exporter}[{window}:{SubqueryStep}]");
        var fromCadvisor = Over(@operator, $"{cadvisor}[{window}:{SubqueryStep}]");
        return $"{Tagged($"max {by} ({fromRule})", NodeLoadSources.Rules)} or on ({nodeLabel}) " +
               $"{Tagged($"max {by} ({fromExporter})", NodeLoadSources.NodeExporter)} or on ({nodeLabel}) " +
               $"{Tagged($"max {by} ({fromCadvisor})", NodeLoadSources.Cadvisor)}";
    }

    private static string Over(string @operator, string range) => @operator switch
    {
        LoadWatcherNames.Average => $"avg_over_time({range})",
        LoadWatcherNames.Std => $"stddev_over_time({range})",
        LoadWatcherNames.Latest => $"last_over_time({range})",
        _ => throw new ArgumentOutOfRangeException(nameof(@operator), @operator, "not an operator of the load watcher"),
    };

    private static string Tagged(string query, string source) => $"label_replace({query}, \"{NodeLoadSources.Label}\", \"{source}\", \"\", \"\")";

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
