using Resorcerer.Workloads;

namespace Resorcerer.Profiles;

/// <summary>
/// What resorcerer learned about one workload: a recommendation per container and resource.
/// Stored in Redis as JSON (see docs/design.md, "Redis schema"); this type is that contract.
/// </summary>
public sealed record WorkloadProfile
{
    /// <summary>Version of the stored JSON. Additive changes keep it; breaking changes bump it and the key prefix.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required WorkloadRef Workload { get; init; }

    /// <summary>When the profiler computed this profile (UTC).</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Name of the recommendation strategy that produced the targets.</summary>
    public required string Strategy { get; init; }

    /// <summary>Container name to its profile. Containers with too little data are absent.</summary>
    public required IReadOnlyDictionary<string, ContainerProfile> Containers { get; init; }

    /// <summary>The workload's effective policy when the profiler knew one; absent means the defaults.</summary>
    public WorkloadPolicy? Policy { get; init; }

    /// <summary>Who the workload talks to and how much, from service-mesh metrics; absent without a mesh.</summary>
    public ConnectionProfile? Connections { get; init; }

    /// <summary>
    /// What the cluster's largest node could give a pod when the profile was made (its allocatable CPU and memory);
    /// absent when the profiler did not know. A request above it could be scheduled nowhere.
    /// </summary>
    public NodeSize? LargestNode { get; init; }

    /// <summary>The longest history any of its container profiles rests on (derived, so not stored).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan History
    {
        get
        {
            var longest = TimeSpan.Zero;
            foreach (var container in Containers.Values)
            {
                foreach (var resource in (ReadOnlySpan<ResourceProfile?>)[container.Cpu, container.Memory])
                {
                    if (resource is not null && resource.Observed.History > longest)
                    {
                        longest = resource.Observed.History;
                    }
                }
            }

            return longest;
        }
    }
}

/// <summary>A node's CPU (millicores) and memory (bytes).</summary>
public sealed record NodeSize(long Cpu, long Memory)
{
    /// <summary>
    /// Where nothing better is known, no request above this can be meant: beyond any machine a cluster runs on today
    /// (the largest offered have under 1,000 cores and 32 TiB).
    /// </summary>
    public static NodeSize Beyond { get; } = new(1024 * 1000, 32L * 1024 * 1024 * 1024 * 1024);
}

/// <summary>A container's CPU and memory profile. Either is null when its data was too thin to trust.</summary>
public sealed record ContainerProfile(ResourceProfile? Cpu, ResourceProfile? Memory);

/// <summary>
/// One resource of one container. CPU amounts are millicores, memory amounts bytes.
/// <see cref="Target"/> is the request resorcerer recommends; the bounds bracket it.
/// </summary>
public sealed record ResourceProfile(long Target, long LowerBound, long UpperBound, UsageSummary Observed);

/// <summary>
/// What was observed over the history the profile was built on: percentiles across all samples of
/// all the workload's pods for this container, the number of samples and the time they span.
/// </summary>
public sealed record UsageSummary(
    long P50,
    long P90,
    long P95,
    long P99,
    long Max,
    long Samples,
    DateTimeOffset FirstSample,
    DateTimeOffset LastSample)
{
    /// <summary>The time the samples span (derived, so not stored).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public TimeSpan History => LastSample - FirstSample;
}
