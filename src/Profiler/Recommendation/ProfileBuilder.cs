using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>All usage samples of one container name across a workload's pods, in natural units (cores, bytes).</summary>
public sealed class ContainerSamples
{
    public List<PromSample> Cpu { get; } = [];

    public List<PromSample> Memory { get; } = [];
}

/// <summary>Turns a workload's samples into its profile. Pure: the same samples give the same profile.</summary>
public static class ProfileBuilder
{
    /// <summary>The profile, or null when no container had enough data for either resource.</summary>
    public static WorkloadProfile? Build(
        WorkloadRef workload,
        IReadOnlyDictionary<string, ContainerSamples> containers,
        DateTimeOffset now,
        RecommendationSettings settings)
    {
        var profiles = new SortedDictionary<string, ContainerProfile>(StringComparer.Ordinal);
        foreach (var (name, samples) in containers)
        {
            var cpu = PercentileRule.Cpu(UsageStatistics.Summarise(samples.Cpu, scale: 1000), settings);
            var memory = PercentileRule.Memory(UsageStatistics.Summarise(samples.Memory, scale: 1), settings);
            if (cpu is not null || memory is not null)
            {
                profiles[name] = new ContainerProfile(cpu, memory);
            }
        }

        return profiles.Count == 0
            ? null
            : new WorkloadProfile
            {
                Workload = workload,
                // Whole seconds: the stored time is shown to people and compared by tools, sub-second noise helps neither.
                UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
                Strategy = PercentileRule.Name,
                Containers = profiles,
            };
    }
}
