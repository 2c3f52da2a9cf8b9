namespace Resorcerer.Profiler.NodeLoad;

/// <summary>One value of a node's load, as the load watcher reports it: <see cref="Value"/> in percent.</summary>
public sealed record NodeLoadMetric(string Name, string Type, string Operator, string Rollup, double Value);

/// <summary>
/// One window's node load at one moment: what the load watcher caches per window and serves. Times are Unix
/// seconds; <see cref="Nodes"/> maps a node's name to its metrics.
/// </summary>
public sealed record NodeLoadWindow(string Duration, long Start, long End, long Timestamp, string Source, IReadOnlyDictionary<string, IReadOnlyList<NodeLoadMetric>> Nodes);

/// <summary>The load watcher's vocabulary (its <c>watcher</c> package): window names, types, operators, the source's name.</summary>
public static class LoadWatcherNames
{
    public const string FifteenMinutes = "15m", TenMinutes = "10m", FiveMinutes = "5m";

    /// <summary>The windows, longest first: the order <c>/watcher</c> falls back in.</summary>
    public static IReadOnlyList<(string Name, TimeSpan Length)> Windows { get; } =
        [(FifteenMinutes, TimeSpan.FromMinutes(15)), (TenMinutes, TimeSpan.FromMinutes(10)), (FiveMinutes, TimeSpan.FromMinutes(5))];

    public const string Cpu = "CPU", Memory = "Memory";

    public const string Average = "AVG", Std = "STD", Latest = "Latest";

    /// <summary>What the load watcher's Prometheus provider calls itself in <c>source</c>.</summary>
    public const string Prometheus = "Prometheus";

    /// <summary>The kube-prometheus (node-mixin) recording rules the load watcher reads, and names its metrics after.</summary>
    public const string CpuRule = "instance:node_cpu:ratio", MemoryRule = "instance:node_memory_utilisation:ratio";
}
