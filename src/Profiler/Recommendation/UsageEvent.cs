namespace Resorcerer.Profiler.Recommendation;

/// <summary>What a usage event tells: a CPU sample, a memory sample, or an OOM kill.</summary>
public enum UsageKind : byte
{
    Cpu,
    Memory,
    OomKill,
}

/// <summary>
/// One thing learned about one container of a workload, at a time (Unix seconds): CPU in cores, memory in bytes, or
/// an OOM kill with the memory in use (and, where known, the memory request it ran with). Events at the same time
/// are folded CPU first, then memory, then kills.
/// </summary>
public readonly record struct UsageEvent(long Timestamp, string Container, UsageKind Kind, double Value, double? RequestBytes = null)
{
    public static UsageEvent Cpu(long timestamp, string container, double cores) => new(timestamp, container, UsageKind.Cpu, cores);

    public static UsageEvent Memory(long timestamp, string container, double bytes) => new(timestamp, container, UsageKind.Memory, bytes);

    public static UsageEvent OomKill(long timestamp, string container, double bytes, double? requestBytes = null) =>
        new(timestamp, container, UsageKind.OomKill, bytes, requestBytes);

    /// <summary>Time order, then CPU before memory before kills at the same time; stable otherwise.</summary>
    public static List<UsageEvent> InFoldOrder(IEnumerable<UsageEvent> events) =>
        events.OrderBy(e => e.Timestamp).ThenBy(e => e.Kind).ToList();
}
