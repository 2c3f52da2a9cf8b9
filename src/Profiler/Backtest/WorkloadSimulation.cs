using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Backtest;

/// <summary>The requests of a container in force from a time on; recorded only when asked for (tests).</summary>
public readonly record struct AppliedRequests(long Timestamp, double? Cpu, double? Memory);

/// <summary>
/// Replays one workload's trace (every container's rows, in time order) through a strategy with the profiler's own
/// <see cref="WorkloadReplay"/>, as an updater would apply its recommendations, and scores the requests in force.
/// At every whole hour the workload's recommendation (what the profiler would store at that time) is applied where it
/// differs from the request in force by more than <see cref="SimulationRules.ChangeThreshold"/>; after an OOM kill,
/// the killed container's memory is applied at once. Under <see cref="UpdateModel.Recreated"/> the recommendation
/// reaches the containers only when the pod is recreated.
/// </summary>
public sealed class WorkloadSimulation
{
    private readonly WorkloadReplay _replay;
    private readonly RecommendationSettings _gate;
    private readonly UpdateModel _updates;
    private long _nextRestart = long.MinValue;
    private readonly bool _record;
    private readonly Dictionary<string, ScoredContainer> _containers = new(StringComparer.Ordinal);
    private readonly List<(long Hour, IReadOnlyDictionary<string, ContainerRecommendation> Recommendation)>? _recommendations;

    public WorkloadSimulation(IRecommendationStrategy strategy, RecommendationSettings? gate = null, bool recordHistory = false, UpdateModel? updates = null)
    {
        _updates = updates ?? UpdateModel.Resize;
        // The profiler's default window: histograms and daily peaks as a profile at --history 7d holds them.
        _replay = new WorkloadReplay(strategy, TimeSpan.FromDays(7));
        _gate = gate ?? RecommendationSettings.Default;
        _record = recordHistory;
        _recommendations = recordHistory ? [] : null;
    }

    public long LastTimestamp { get; private set; } = long.MinValue;

    /// <summary>The workload's recommendation at every hour, when recording was asked for.</summary>
    public IReadOnlyList<(long Hour, IReadOnlyDictionary<string, ContainerRecommendation> Recommendation)> Recommendations => _recommendations ?? [];

    /// <summary>Every change of a container's requests, when recording was asked for.</summary>
    public IReadOnlyList<AppliedRequests> History(string container) => _containers.TryGetValue(container, out var c) ? c.History : [];

    public void Add(TraceRow row)
    {
        var t = row.Timestamp;
        if (t < LastTimestamp)
        {
            throw new ArgumentException($"sample at {t} comes after one at {LastTimestamp}: a workload must be replayed in time order");
        }

        if (_nextRestart == long.MinValue)
        {
            _nextRestart = t + _updates.RestartEverySeconds;
        }

        LastTimestamp = t;
        _replay.TickBefore(t, ApplyHourly);
        if (!_containers.TryGetValue(row.Container, out var container))
        {
            _containers[row.Container] = container = new ScoredContainer(t, _record);
        }

        var oom = container.Score(row);
        // What is learned passes the profiler's checks (UsageSanity): no impossible readings, and memory counts for
        // at most the reading before it (the trace's previous row of this container).
        List<UsageEvent> events = [];
        if (UsageSanity.Rejection(UsageKind.Cpu, row.CpuCores, Model.NodeBounds.Fallback) is null)
        {
            events.Add(UsageEvent.Cpu(t, row.Container, row.CpuCores));
        }

        if (UsageSanity.Rejection(UsageKind.Memory, row.MemoryBytes, Model.NodeBounds.Fallback) is null)
        {
            events.Add(UsageEvent.Memory(t, row.Container, UsageSanity.Confirmed(row.MemoryBytes, container.PreviousMemory)));
        }

        container.PreviousMemory = row.MemoryBytes > 0 ? row.MemoryBytes : null;

        if (oom)
        {
            // Memory limit = memory request: the container was killed. The strategy hears of it and the updater acts at once.
            events.Add(UsageEvent.OomKill(t, row.Container, row.MemoryBytes, container.Memory));
        }

        _replay.Fold(events);
        if (oom && _updates.InPlace)
        {
            Apply(_replay.Recommend(t, _gate), t, oomKilled: row.Container);
        }
    }

    /// <summary>The sums over every container of the workload.</summary>
    public Score Finish()
    {
        var total = new Score();
        foreach (var (_, score) in FinishEach())
        {
            total.Add(score);
        }

        return total;
    }

    /// <summary>Each container's own score: one series each.</summary>
    public IEnumerable<(string Container, Score Score)> FinishEach() => _containers.Select(c => (c.Key, c.Value.Finish()));

    private void ApplyHourly(long hour)
    {
        var recommendation = _replay.Recommend(hour, _gate);
        _recommendations?.Add((hour, recommendation));
        if (_updates.InPlace)
        {
            Apply(recommendation, hour, oomKilled: null, recreated: false);
        }
        else if (hour >= _nextRestart)
        {
            // The pod is recreated: the webhook gives the new one the targets as they are, whatever the difference.
            Apply(recommendation, hour, oomKilled: null, recreated: true);
            while (_nextRestart <= hour)
            {
                _nextRestart += _updates.RestartEverySeconds;
            }
        }
    }

    private void Apply(IReadOnlyDictionary<string, ContainerRecommendation> recommendation, long t, string? oomKilled, bool recreated = false)
    {
        foreach (var (name, wanted) in recommendation)
        {
            if (_containers.TryGetValue(name, out var container))
            {
                container.Apply(
                    wanted.Cpu is { } cpu ? cpu.Target / 1000.0 : null,
                    wanted.Memory is { } memory ? memory.Target : null,
                    t, forceMemory: name == oomKilled || recreated, forceCpu: recreated);
            }
        }
    }
}

/// <summary>The owner's fixed requests of one container, scored as they are; they never change.</summary>
public sealed class FixedRequests(double cpuCores, double memoryBytes)
{
    private ScoredContainer? _container;

    public void Add(TraceRow row)
    {
        _container ??= new ScoredContainer(row.Timestamp, record: false, cpuCores, memoryBytes);
        _container.Score(row);
    }

    public Score Finish() => _container?.Finish() ?? new Score();
}

/// <summary>One container's requests in force and the score of its samples against them.</summary>
internal sealed class ScoredContainer(long first, bool record, double? cpu = null, double? memory = null)
{
    private readonly Score _score = new() { Series = 1 };
    private readonly List<AppliedRequests>? _history = record ? [] : null;

    public double? Cpu { get; private set; } = cpu;

    public double? Memory { get; private set; } = memory;

    public IReadOnlyList<AppliedRequests> History => _history ?? [];

    /// <summary>The memory of the container's previous row, when it had a reading.</summary>
    public double? PreviousMemory { get; set; }

    /// <summary>Scores the row against the requests in force (after the warm-up day); true when it is an OOM kill.</summary>
    public bool Score(TraceRow row)
    {
        var hasMemory = row.MemoryBytes > 0;
        var oom = hasMemory && Memory is { } limit && row.MemoryBytes > limit;
        if (row.Timestamp < first + SimulationRules.WarmUpSeconds)
        {
            return oom;
        }

        var cpu = Cpu ?? 0;
        _score.ScoredSamples++;
        _score.CpuRequested += cpu;
        _score.CpuUsed += row.CpuCores;
        _score.CpuSlack += Math.Max(cpu - row.CpuCores, 0);
        _score.CpuShortfall += Math.Max(row.CpuCores - cpu, 0);
        _score.CpuShortfallSamples += row.CpuCores > cpu ? 1 : 0;
        if (hasMemory)
        {
            var memory = Memory ?? 0;
            _score.MemoryRequested += memory;
            _score.MemorySlack += Math.Max(memory - row.MemoryBytes, 0);
            _score.OomEvents += oom ? 1 : 0;
        }

        return oom;
    }

    public void Apply(double? cpu, double? memory, long t, bool forceMemory, bool forceCpu = false)
    {
        var changed = false;
        var initial = false;
        if (cpu is { } newCpu && Differs(Cpu, newCpu, forceCpu))
        {
            initial |= Cpu is null;
            changed |= Cpu is not null;
            Cpu = newCpu;
        }

        if (memory is { } newMemory && Differs(Memory, newMemory, forceMemory))
        {
            initial |= Memory is null;
            changed |= Memory is not null;
            Memory = newMemory;
        }

        if (changed && t >= first + SimulationRules.WarmUpSeconds)
        {
            _score.Changes++;
        }

        if (changed || initial)
        {
            _history?.Add(new AppliedRequests(t, Cpu, Memory));
        }
    }

    public Score Finish()
    {
        _score.OomSeries = _score.OomEvents > 0 ? 1 : 0;
        return _score;
    }

    private static bool Differs(double? current, double wanted, bool force) => current switch
    {
        null => true,
        { } value when force => wanted != value,
        0 => wanted != 0,
        { } value => Math.Abs(wanted - value) / value > SimulationRules.ChangeThreshold,
    };
}
