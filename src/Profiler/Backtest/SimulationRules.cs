using Resorcerer.Profiler.Recommendation;

namespace Resorcerer.Profiler.Backtest;

/// <summary>The rules every strategy is replayed under; stated in <c>backtest --help</c> and docs/backtest.md.</summary>
public static class SimulationRules
{
    /// <summary>A recommendation is recomputed every hour of trace time, from the samples up to that time, for the samples after it.</summary>
    public const long RecomputeEverySeconds = WorkloadReplay.TickSeconds;

    /// <summary>The updater applies a recommendation that differs from the current request by more than this fraction.</summary>
    public const double ChangeThreshold = 0.10;

    /// <summary>The first day of each series teaches the strategy but is not scored.</summary>
    public const long WarmUpSeconds = 86400;
}

/// <summary>
/// How recommendations reach the running containers in a backtest: <see cref="InPlace"/> as resorcerer-updater
/// resizes them (each hour when one differs by more than 10%, memory at once after an OOM kill); or only when the
/// pod is recreated, every <see cref="RestartEverySeconds"/>, as the webhook alone does in mode Initial (an OOM kill
/// restarts the container, not the pod, so its memory waits for the next restart).
/// </summary>
public sealed record UpdateModel(bool InPlace, long RestartEverySeconds)
{
    public static UpdateModel Resize { get; } = new(true, 0);

    public static UpdateModel Recreated(TimeSpan every) => new(false, (long)every.TotalSeconds);

    public override string ToString() => InPlace ? "inplace" : $"initial, restarted every {Configuration.Duration.Round(TimeSpan.FromSeconds(RestartEverySeconds))}";
}

/// <summary>Sums over scored samples from which the reported ratios are computed; they add up across series.</summary>
public sealed class Score
{
    public long Series { get; set; }

    public long ScoredSamples { get; set; }

    public double CpuRequested { get; set; }

    public double CpuUsed { get; set; }

    public double CpuSlack { get; set; }

    public double CpuShortfall { get; set; }

    public long CpuShortfallSamples { get; set; }

    public double MemoryRequested { get; set; }

    public double MemorySlack { get; set; }

    public long OomEvents { get; set; }

    public long OomSeries { get; set; }

    public long Changes { get; set; }

    public void Add(Score other)
    {
        Series += other.Series;
        ScoredSamples += other.ScoredSamples;
        CpuRequested += other.CpuRequested;
        CpuUsed += other.CpuUsed;
        CpuSlack += other.CpuSlack;
        CpuShortfall += other.CpuShortfall;
        CpuShortfallSamples += other.CpuShortfallSamples;
        MemoryRequested += other.MemoryRequested;
        MemorySlack += other.MemorySlack;
        OomEvents += other.OomEvents;
        OomSeries += other.OomSeries;
        Changes += other.Changes;
    }
}
