using Resorcerer.Profiles;
using Resorcerer.Quantities;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>How much history a resource needs before the profiler trusts it, and the floors of a recommendation.</summary>
public sealed record RecommendationSettings(long MinSamples, TimeSpan MinHistory, long MinCpuMillicores, long MinMemoryBytes)
{
    public static RecommendationSettings Default { get; } = new(100, TimeSpan.FromHours(3), 10, 32L * 1024 * 1024);
}

/// <summary>
/// The starting rule: CPU request at the observed p95 (bounds p50 and p99); memory request at the observed
/// peak plus 15% (bounds p95 and peak plus 30%), rounded up to whole MiB. Amounts never fall below the floors.
/// </summary>
public static class PercentileRule
{
    public const string Name = "percentile";
    private const double MemoryMargin = 1.15;
    private const double MemoryUpperMargin = 1.30;

    /// <summary>The CPU profile (millicores), or null when the data is too thin.</summary>
    public static ResourceProfile? Cpu(UsageSummary? observed, RecommendationSettings settings)
    {
        if (!IsEnough(observed, settings))
        {
            return null;
        }

        var target = Math.Max(observed.P95, settings.MinCpuMillicores);
        return new ResourceProfile(
            Target: target,
            LowerBound: Math.Max(observed.P50, settings.MinCpuMillicores),
            UpperBound: Math.Max(observed.P99, target),
            Observed: observed);
    }

    /// <summary>The memory profile (bytes), or null when the data is too thin.</summary>
    public static ResourceProfile? Memory(UsageSummary? observed, RecommendationSettings settings)
    {
        if (!IsEnough(observed, settings))
        {
            return null;
        }

        var target = Quantity.RoundUpToMebibytes(Math.Max((long)Math.Ceiling(observed.Max * MemoryMargin), settings.MinMemoryBytes));
        return new ResourceProfile(
            Target: target,
            LowerBound: Math.Min(Quantity.RoundUpToMebibytes(Math.Max(observed.P95, settings.MinMemoryBytes)), target),
            UpperBound: Quantity.RoundUpToMebibytes(Math.Max((long)Math.Ceiling(observed.Max * MemoryUpperMargin), target)),
            Observed: observed);
    }

    private static bool IsEnough([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] UsageSummary? observed, RecommendationSettings settings) =>
        observed is not null && observed.Samples >= settings.MinSamples && observed.History >= settings.MinHistory;
}
