using Resorcerer.Workloads;

namespace Resorcerer.Storage;

/// <summary>
/// The Redis key layout (schema v2). It is a public contract documented in docs/design.md: other tools read these
/// keys, so change it only by adding a new version prefix. Every key of one namespace carries the namespace as a
/// hash tag (<c>{shop}</c>), so that on a Redis Cluster a namespace's keys share one hash slot and every
/// transaction and script stays in that slot, while the namespaces spread over the masters.
/// </summary>
public static class RedisKeys
{
    public const string Prefix = "resorcerer:v2:";

    /// <summary>Set of the namespaces that have (or had) profiles: where a reader starts.</summary>
    public const string Namespaces = Prefix + "namespaces";

    /// <summary>Pub/sub channel: a message (the namespace) after every profile written or removed.</summary>
    public const string ChangesChannel = Prefix + "changes";

    /// <summary>The start of every key of one namespace, its hash tag included.</summary>
    public static string Slot(string @namespace) => Prefix + "{" + @namespace + "}:";

    /// <summary>String key holding one workload's profile JSON.</summary>
    public static string Profile(WorkloadRef workload) => Slot(workload.Namespace) + "profile:" + workload.Kind + "/" + workload.Name;

    /// <summary>
    /// Sorted set of the namespace's workloads (members <c>namespace/Kind/name</c>), each scored by the change number
    /// of its last write: a reader that saw changes up to N reads the members scored above N.
    /// </summary>
    public static string ProfileIndex(string @namespace) => Slot(@namespace) + "profiles";

    /// <summary>The namespace's change counter: raised by one with every profile written or removed.</summary>
    public static string ChangeCount(string @namespace) => Slot(@namespace) + "changes";

    /// <summary>
    /// Sorted set of one namespace's memory-pressure events (the updater's memory guard acting on a container),
    /// scored by Unix seconds; members are JSON. The profiler learns from them as from OOM kills. One key, so it kept
    /// its v1 name.
    /// </summary>
    public static string MemoryPressure(string @namespace) => V1.Prefix + "memory-pressure:" + @namespace;

    /// <summary>
    /// Sorted set of the updater's recent actions in one namespace (resizes and evictions, with their results), scored
    /// by Unix seconds; members are JSON. The dashboard shows them on each workload's page.
    /// </summary>
    public static string Updates(string @namespace) => Slot(@namespace) + "updates";

    /// <summary>
    /// The v1 layout, still written beside v2 (except on a Redis Cluster, where its transaction spans slots) so that
    /// readers of v1 keep working until they move; see docs/design.md.
    /// </summary>
    public static class V1
    {
        public const string Prefix = "resorcerer:v1:";

        /// <summary>Sorted set of <c>namespace/Kind/name</c> members scored by the profile's update time (Unix seconds).</summary>
        public const string ProfileIndex = Prefix + "profiles";

        /// <summary>String key holding one workload's profile JSON.</summary>
        public static string Profile(WorkloadRef workload) => Prefix + "profile:" + workload;
    }
}
