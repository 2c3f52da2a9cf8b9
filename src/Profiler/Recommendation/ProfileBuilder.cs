using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// Turns a workload's replay into its profile: each container's recommendation as <see cref="WorkloadReplay.Recommend"/>
/// makes it (the backtest applies the same numbers), with the observed usage beside it. Pure: the replay is only read.
/// </summary>
public static class ProfileBuilder
{
    /// <summary>
    /// The profile as of the workload's newest data (the replay's clock, not the wall clock: a profile depends on the
    /// usage alone), stamped <paramref name="updatedAt"/>; null when no container has enough data for either resource.
    /// </summary>
    public static WorkloadProfile? Build(
        WorkloadRef workload, WorkloadReplay replay, DateTimeOffset updatedAt, RecommendationSettings gate, WorkloadPolicy? policy = null)
    {
        var at = replay.Until;
        var profiles = new SortedDictionary<string, ContainerProfile>(StringComparer.Ordinal);
        foreach (var (name, recommendation) in replay.Recommend(at, gate))
        {
            var container = replay.Containers[name];
            var cpu = recommendation.Cpu is { } c ? Profile(c, container.Cpu.Summary(at, scale: 1000)!) : null;
            var memory = recommendation.Memory is { } m ? Profile(m, container.Memory.Summary(at, scale: 1)!) : null;
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
                UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(updatedAt.ToUnixTimeSeconds()),
                Strategy = replay.Strategy.Name,
                Containers = profiles,
                Policy = policy,
            };
    }

    private static ResourceProfile Profile(RecommendedAmounts amounts, UsageSummary observed) =>
        new(amounts.Target, amounts.LowerBound, amounts.UpperBound, observed);
}
