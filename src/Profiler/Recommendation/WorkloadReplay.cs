namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// The one replay of a workload's usage, run by the profiler on what it reads from Prometheus and by the backtest
/// on recorded traces: every container's <see cref="ContainerHistory"/>, fed events in time order, with the
/// strategy's estimators ticking at every whole hour once the events up to it are in. What it has learned depends
/// only on the events, not on how they were batched: one read of a week or a read every minute end alike, and so
/// does a replay restored from a saved state half-way.
/// </summary>
public sealed class WorkloadReplay(IRecommendationStrategy strategy, TimeSpan window)
{
    public const long TickSeconds = 3600;

    private readonly Dictionary<string, ContainerHistory> _containers = new(StringComparer.Ordinal);

    public IRecommendationStrategy Strategy => strategy;

    public TimeSpan Window => window;

    public IReadOnlyDictionary<string, ContainerHistory> Containers => _containers;

    /// <summary>The time of the newest event folded in; events at or before it were already seen.</summary>
    public long Until { get; private set; } = long.MinValue;

    /// <summary>The next whole hour at which the estimators tick (none before the first event).</summary>
    public long NextTick { get; private set; } = long.MinValue;

    /// <summary>
    /// Folds events in time order (events at one time in the order given), ticking before each event at every whole
    /// hour earlier than it. Throws when an event is older than one already folded.
    /// </summary>
    public void Fold(IEnumerable<UsageEvent> events, Action<long>? onTick = null)
    {
        foreach (var usage in events)
        {
            if (usage.Timestamp < Until)
            {
                throw new ArgumentException(
                    $"an event at {usage.Timestamp} comes after one at {Until}: a workload's usage must be replayed in time order", nameof(events));
            }

            TickBefore(usage.Timestamp, onTick);
            if (NextTick == long.MinValue)
            {
                NextTick = (usage.Timestamp / TickSeconds + 1) * TickSeconds;
            }

            Container(usage.Container).Apply(usage);
            Until = usage.Timestamp;
        }
    }

    /// <summary>
    /// Ticks at every whole hour before <paramref name="time"/> not ticked yet, calling <paramref name="onTick"/>
    /// after each. The caller promises that no event older than <paramref name="time"/> follows.
    /// </summary>
    public void TickBefore(long time, Action<long>? onTick = null)
    {
        if (NextTick == long.MinValue)
        {
            return;
        }

        while (NextTick < time)
        {
            var hour = NextTick;
            NextTick += TickSeconds;
            foreach (var container in _containers.Values)
            {
                container.Estimator.Tick(hour);
            }

            onTick?.Invoke(hour);
        }
    }

    /// <summary>
    /// What every container should request at <paramref name="at"/>: the strategy's estimates where there is enough
    /// data (<paramref name="gate"/>), adjusted per pod by the strategy, within the gate's bounds, in whole millicores
    /// and MiB. Changes nothing:
    /// when hours up to <paramref name="at"/> are still to be ticked (no event after them yet), they are ticked on a copy.
    /// </summary>
    public IReadOnlyDictionary<string, ContainerRecommendation> Recommend(long at, RecommendationSettings gate)
    {
        if (NextTick != long.MinValue && NextTick <= at)
        {
            var ahead = Copy();
            ahead.TickBefore(at + 1);
            return ahead.Recommend(at, gate);
        }

        var estimates = new Dictionary<string, ContainerEstimate>(StringComparer.Ordinal);
        foreach (var (name, container) in _containers)
        {
            var estimate = container.Estimator.Recommend(at);
            estimates[name] = new ContainerEstimate(
                gate.IsEnough(container.Cpu) ? estimate.Cpu : null,
                gate.IsEnough(container.Memory) ? estimate.Memory : null);
        }

        return strategy.ForPod(estimates).ToDictionary(
            pair => pair.Key,
            pair => new ContainerRecommendation(
                gate.Cpu(pair.Value.Cpu) is { } cpu ? Amounts.Cpu(cpu) : null,
                gate.Memory(pair.Value.Memory) is { } memory ? Amounts.Memory(memory) : null),
            StringComparer.Ordinal);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(Until);
        writer.Write(NextTick);
        writer.Write(_containers.Count);
        foreach (var (name, container) in _containers)
        {
            writer.Write(name);
            container.Write(writer);
        }
    }

    public void Read(StateReader reader)
    {
        _containers.Clear();
        if (reader.Version >= 2)
        {
            Until = reader.ReadInt64();
            NextTick = reader.ReadInt64();
            var count = reader.ReadInt32();
            for (var i = 0; i < count; i++)
            {
                Container(reader.ReadString()).Read(reader);
            }

            return;
        }

        // Version 1 kept a clock per container; the workload's is the latest of them.
        (Until, NextTick) = (long.MinValue, long.MinValue);
        var containers = reader.ReadInt32();
        for (var i = 0; i < containers; i++)
        {
            var container = Container(reader.ReadString());
            Until = Math.Max(Until, reader.ReadInt64());
            NextTick = Math.Max(NextTick, reader.ReadInt64());
            container.Read(reader);
        }
    }

    private ContainerHistory Container(string name)
    {
        if (!_containers.TryGetValue(name, out var container))
        {
            _containers[name] = container = new ContainerHistory(strategy, window);
        }

        return container;
    }

    private WorkloadReplay Copy()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            Write(writer);
        }

        stream.Position = 0;
        var copy = new WorkloadReplay(strategy, window);
        using var reader = new StateReader(stream, StateReader.CurrentVersion);
        copy.Read(reader);
        return copy;
    }
}
