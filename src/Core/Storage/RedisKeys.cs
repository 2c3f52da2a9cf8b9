using Resorcerer.Workloads;

namespace Resorcerer.Storage;

/// <summary>
/// The Redis key layout (schema v1). It is a public contract documented in docs/design.md:
/// other tools read these keys, so change it only by adding a new version prefix.
/// </summary>
public static class RedisKeys
{
    public const string Prefix = "resorcerer:v1:";

    /// <summary>Sorted set of <c>namespace/Kind/name</c> members scored by the profile's update time (Unix seconds).</summary>
    public const string ProfileIndex = Prefix + "profiles";

    /// <summary>String key holding one workload's profile JSON.</summary>
    public static string Profile(WorkloadRef workload) => Prefix + "profile:" + workload;

    /// <summary>
    /// Sorted set of one namespace's memory-pressure events (the updater's memory guard acting on a container),
    /// scored by Unix seconds; members are JSON. The profiler learns from them as from OOM kills.
    /// </summary>
    public static string MemoryPressure(string @namespace) => Prefix + "memory-pressure:" + @namespace;
}
