using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Model;

/// <summary>
/// What the profiler has learned about one container name of one workload: the strategy's estimator and the
/// observed usage, folded in batch after batch. Samples at or before <see cref="FoldedUntil"/> were already
/// folded and are skipped, so reading an overlapping window twice does no harm.
/// </summary>
public sealed class ContainerState(IRecommendationStrategy strategy, TimeSpan window)
{
    private const long Hour = SimulationRules.RecomputeEverySeconds;

    public IContainerEstimator Estimator { get; } = strategy.CreateEstimator();

    public ObservedUsage Cpu { get; } = new(ExponentialBuckets.Cpu, window);

    public ObservedUsage Memory { get; } = new(ExponentialBuckets.Memory, window);

    /// <summary>The last sample time folded in.</summary>
    public long FoldedUntil { get; private set; } = long.MinValue;

    /// <summary>The next whole hour at which the estimator is asked for a recommendation while folding.</summary>
    public long NextRecompute { get; private set; } = long.MinValue;

    /// <summary>
    /// Folds a batch in time order (the pods' samples interleaved), asking the estimator for a recommendation at
    /// every whole hour on the way, as the backtest's updater does: strategies that learn from how their own past
    /// recommendations fared see the same history either way.
    /// </summary>
    public void Fold(IEnumerable<PromSample> cpu, IEnumerable<PromSample> memory, IEnumerable<PromSample> oomKills)
    {
        var events = cpu.Where(s => s.Timestamp > FoldedUntil).Select(s => (s.Timestamp, Kind: 0, s.Value))
            .Concat(memory.Where(s => s.Timestamp > FoldedUntil).Select(s => (s.Timestamp, Kind: 1, s.Value)))
            .Concat(oomKills.Where(s => s.Timestamp > FoldedUntil).Select(s => (s.Timestamp, Kind: 2, s.Value)))
            .OrderBy(e => e.Timestamp).ThenBy(e => e.Kind)
            .ToList();
        foreach (var (timestamp, kind, value) in events)
        {
            if (NextRecompute == long.MinValue)
            {
                NextRecompute = (timestamp / Hour + 1) * Hour;
            }

            while (NextRecompute <= timestamp)
            {
                Estimator.Recommend(NextRecompute);
                NextRecompute += Hour;
            }

            switch (kind)
            {
                case 0:
                    Estimator.AddCpu(timestamp, value);
                    Cpu.Add(timestamp, value);
                    break;
                case 1:
                    Estimator.AddMemory(timestamp, value);
                    Memory.Add(timestamp, value);
                    break;
                default:
                    Estimator.AddOom(timestamp, value, requestBytes: null);
                    break;
            }
        }

        if (events.Count > 0)
        {
            FoldedUntil = Math.Max(FoldedUntil, events[^1].Timestamp);
        }
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(FoldedUntil);
        writer.Write(NextRecompute);
        Cpu.Write(writer);
        Memory.Write(writer);
        Estimator.Write(writer);
    }

    public void Read(BinaryReader reader)
    {
        FoldedUntil = reader.ReadInt64();
        NextRecompute = reader.ReadInt64();
        Cpu.Read(reader);
        Memory.Read(reader);
        Estimator.Read(reader);
    }
}
