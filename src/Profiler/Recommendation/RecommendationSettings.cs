namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// The rules every recommendation is made under, the profiler's and the backtest's alike: how much history a
/// resource needs first, and the bounds no recommendation leaves: at least 1 millicore and 1 MiB (Kubernetes counts
/// a zero request as none), at most what the largest node can give (a request above it could be scheduled nowhere).
/// </summary>
public sealed record RecommendationSettings(long MinSamples, TimeSpan MinHistory)
{
    public const double MinCpuCores = 0.001, MinMemoryBytes = 1024 * 1024;

    public static RecommendationSettings Default { get; } = new(100, TimeSpan.FromHours(3));

    public double MaxCpuCores { get; init; } = Model.NodeBounds.FallbackCpuCores;

    public double MaxMemoryBytes { get; init; } = Model.NodeBounds.FallbackMemoryBytes;

    /// <summary>These rules with the largest node's allocatable as the ceiling.</summary>
    public RecommendationSettings Within(Model.NodeBounds bounds) => this with { MaxCpuCores = bounds.MaxCpuRequestCores, MaxMemoryBytes = bounds.MaxMemoryRequestBytes };

    public bool IsEnough(ObservedUsage observed) => observed.Samples >= MinSamples && observed.History >= MinHistory;

    public Estimate? Cpu(Estimate? estimate) => estimate?.Within(MinCpuCores, MaxCpuCores);

    public Estimate? Memory(Estimate? estimate) => estimate?.Within(MinMemoryBytes, MaxMemoryBytes);
}
