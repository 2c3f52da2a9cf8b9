namespace Resorcerer.Profiler.Recommendation;

/// <summary>How much history a resource needs before a recommendation for it is made (profiler and backtest alike).</summary>
public sealed record RecommendationSettings(long MinSamples, TimeSpan MinHistory)
{
    public static RecommendationSettings Default { get; } = new(100, TimeSpan.FromHours(3));

    public bool IsEnough(ObservedUsage observed) => observed.Samples >= MinSamples && observed.History >= MinHistory;
}
