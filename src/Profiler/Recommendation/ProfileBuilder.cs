using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Profiler.Model;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>How much history a resource needs before the profiler trusts a recommendation for it.</summary>
public sealed record RecommendationSettings(long MinSamples, TimeSpan MinHistory)
{
    public static RecommendationSettings Default { get; } = new(100, TimeSpan.FromHours(3));

    public bool IsEnough([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] UsageSummary? observed) =>
        observed is not null && observed.Samples >= MinSamples && observed.History >= MinHistory;
}

/// <summary>
/// All usage of one container name across a workload's pods in one batch, in natural units (cores, bytes), and
/// the OOM kills among them (time and the memory in use when it happened).
/// </summary>
public sealed class ContainerSamples
{
    public List<PromSample> Cpu { get; } = [];

    public List<PromSample> Memory { get; } = [];

    public List<PromSample> OomKills { get; } = [];
}

/// <summary>
/// Turns a workload's learned state into its profile: the strategy's recommendation for each container (adjusted
/// per pod by the strategy), with the observed usage beside it. Pure apart from asking the estimators, which
/// may update their own bookkeeping.
/// </summary>
public static class ProfileBuilder
{
    /// <summary>The profile, or null when no container has enough data for either resource.</summary>
    public static WorkloadProfile? Build(
        WorkloadState state, DateTimeOffset now, IRecommendationStrategy strategy, RecommendationSettings settings, WorkloadPolicy? policy = null)
    {
        var at = now.ToUnixTimeSeconds();
        var estimates = new Dictionary<string, ContainerEstimate>(StringComparer.Ordinal);
        var observed = new Dictionary<string, (UsageSummary? Cpu, UsageSummary? Memory)>(StringComparer.Ordinal);
        foreach (var (name, container) in state.Containers)
        {
            var cpu = container.Cpu.Summary(at, scale: 1000);
            var memory = container.Memory.Summary(at, scale: 1);
            var estimate = container.Estimator.Recommend(at);
            estimates[name] = new ContainerEstimate(
                settings.IsEnough(cpu) ? estimate.Cpu : null,
                settings.IsEnough(memory) ? estimate.Memory : null);
            observed[name] = (cpu, memory);
        }

        var profiles = new SortedDictionary<string, ContainerProfile>(StringComparer.Ordinal);
        foreach (var (name, estimate) in strategy.ForPod(estimates))
        {
            var cpu = estimate.Cpu is { } c ? CpuProfile(c, observed[name].Cpu!) : null;
            var memory = estimate.Memory is { } m ? MemoryProfile(m, observed[name].Memory!) : null;
            if (cpu is not null || memory is not null)
            {
                profiles[name] = new ContainerProfile(cpu, memory);
            }
        }

        return profiles.Count == 0
            ? null
            : new WorkloadProfile
            {
                Workload = state.Workload,
                // Whole seconds: the stored time is shown to people and compared by tools, sub-second noise helps neither.
                UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(at),
                Strategy = strategy.Name,
                Containers = profiles,
                Policy = policy,
            };
    }

    private static ResourceProfile CpuProfile(Estimate estimate, UsageSummary observed) => new(
        Amounts.Millicores(estimate.Target),
        Amounts.Millicores(Math.Min(estimate.LowerBound, estimate.Target)),
        Amounts.Millicores(Math.Max(estimate.UpperBound, estimate.Target)),
        observed);

    // Memory is stored in whole MiB, rounded up, so that requests read well and never fall below the estimate.
    private static ResourceProfile MemoryProfile(Estimate estimate, UsageSummary observed) => new(
        Quantity.RoundUpToMebibytes(Amounts.Bytes(estimate.Target)),
        Quantity.RoundUpToMebibytes(Amounts.Bytes(Math.Min(estimate.LowerBound, estimate.Target))),
        Quantity.RoundUpToMebibytes(Amounts.Bytes(Math.Max(estimate.UpperBound, estimate.Target))),
        observed);
}
