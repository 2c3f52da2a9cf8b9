using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>How much history a resource needs before the profiler trusts a recommendation for it.</summary>
public sealed record RecommendationSettings(long MinSamples, TimeSpan MinHistory)
{
    public static RecommendationSettings Default { get; } = new(100, TimeSpan.FromHours(3));

    public bool IsEnough([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] UsageSummary? observed) =>
        observed is not null && observed.Samples >= MinSamples && observed.History >= MinHistory;
}

/// <summary>
/// All usage of one container name across a workload's pods, in natural units (cores, bytes), and the OOM
/// kills among them (time and the memory in use when it happened).
/// </summary>
public sealed class ContainerSamples
{
    public List<PromSample> Cpu { get; } = [];

    public List<PromSample> Memory { get; } = [];

    public List<PromSample> OomKills { get; } = [];
}

/// <summary>
/// Turns a workload's samples into its profile through a recommendation strategy: the samples are replayed in
/// time order into the strategy's estimator (the same code the backtest replays traces through), and the
/// observed percentiles are computed beside them. Pure: the same samples give the same profile.
/// </summary>
public static class ProfileBuilder
{
    /// <summary>The profile, or null when no container had enough data for either resource.</summary>
    public static WorkloadProfile? Build(
        WorkloadRef workload,
        IReadOnlyDictionary<string, ContainerSamples> containers,
        DateTimeOffset now,
        IRecommendationStrategy strategy,
        RecommendationSettings settings)
    {
        var estimates = new Dictionary<string, ContainerEstimate>(StringComparer.Ordinal);
        var observed = new Dictionary<string, (UsageSummary? Cpu, UsageSummary? Memory)>(StringComparer.Ordinal);
        foreach (var (name, samples) in containers)
        {
            var cpu = UsageStatistics.Summarise(samples.Cpu, scale: 1000);
            var memory = UsageStatistics.Summarise(samples.Memory, scale: 1);
            var estimate = Replay(strategy.CreateEstimator(), samples).Recommend(now.ToUnixTimeSeconds());
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
                Workload = workload,
                // Whole seconds: the stored time is shown to people and compared by tools, sub-second noise helps neither.
                UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()),
                Strategy = strategy.Name,
                Containers = profiles,
            };
    }

    /// <summary>
    /// Feeds CPU, memory and OOM kills to the estimator in time order (pods' samples interleaved), asking it for a
    /// recommendation at every whole hour on the way, as the backtest's updater does: strategies that learn from
    /// how their past recommendations fared (resorcerer's model choice) see the same history either way.
    /// </summary>
    public static IContainerEstimator Replay(IContainerEstimator estimator, ContainerSamples samples)
    {
        var cpu = samples.Cpu.OrderBy(s => s.Timestamp).ToList();
        var memory = samples.Memory.OrderBy(s => s.Timestamp).ToList();
        var kills = samples.OomKills.OrderBy(s => s.Timestamp).ToList();
        int c = 0, m = 0, k = 0;
        long? nextRecompute = null;
        while (c < cpu.Count || m < memory.Count || k < kills.Count)
        {
            var nextCpu = c < cpu.Count ? cpu[c].Timestamp : long.MaxValue;
            var nextMemory = m < memory.Count ? memory[m].Timestamp : long.MaxValue;
            var nextKill = k < kills.Count ? kills[k].Timestamp : long.MaxValue;
            var next = Math.Min(nextCpu, Math.Min(nextMemory, nextKill));
            const long Hour = Backtest.SimulationRules.RecomputeEverySeconds;
            nextRecompute ??= (next / Hour + 1) * Hour;
            while (nextRecompute <= next)
            {
                estimator.Recommend(nextRecompute.Value);
                nextRecompute += Hour;
            }

            if (nextCpu <= nextMemory && nextCpu <= nextKill)
            {
                estimator.AddCpu(nextCpu, cpu[c++].Value);
            }
            else if (nextMemory <= nextKill)
            {
                estimator.AddMemory(nextMemory, memory[m++].Value);
            }
            else
            {
                estimator.AddOom(nextKill, kills[k++].Value, requestBytes: null);
            }
        }

        return estimator;
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
