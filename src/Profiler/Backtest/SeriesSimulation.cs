using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Backtest;

/// <summary>The rules every strategy is replayed under; stated in <c>backtest --help</c> and docs/backtest.md.</summary>
public static class SimulationRules
{
    /// <summary>A recommendation is recomputed every hour of trace time, from samples strictly before that time.</summary>
    public const long RecomputeEverySeconds = 3600;

    /// <summary>The updater applies a recommendation that differs from the current request by more than this fraction.</summary>
    public const double ChangeThreshold = 0.10;

    /// <summary>The first day of each series teaches the strategy but is not scored.</summary>
    public const long WarmUpSeconds = 86400;
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

/// <summary>The requests in force from a time on; recorded only when asked for (tests).</summary>
public readonly record struct AppliedRequests(long Timestamp, double? Cpu, double? Memory);

/// <summary>
/// Replays one (workload, container) series through one strategy, as the profiler and an updater would run it,
/// and scores the requests it would have set. Samples must come in time order. With no strategy it scores
/// fixed requests (the owner's provisioned sizes).
/// </summary>
public sealed class SeriesSimulation
{
    private readonly IRecommendationStrategy? _strategy;
    private readonly IContainerEstimator? _estimator;
    private readonly string _container;
    private readonly List<AppliedRequests>? _history;
    private readonly Score _score = new() { Series = 1 };
    private long _first = long.MinValue, _last = long.MinValue, _nextRecompute;
    private double? _cpuRequest, _memoryRequest;

    public SeriesSimulation(IRecommendationStrategy strategy, string container, bool recordHistory = false)
    {
        _strategy = strategy;
        _estimator = strategy.CreateEstimator();
        _container = container;
        _history = recordHistory ? [] : null;
    }

    private SeriesSimulation(double cpuCores, double memoryBytes, string container)
    {
        _container = container;
        _cpuRequest = cpuCores;
        _memoryRequest = memoryBytes;
    }

    /// <summary>A simulation of fixed requests that never change.</summary>
    public static SeriesSimulation Fixed(double cpuCores, double memoryBytes, string container = "main") => new(cpuCores, memoryBytes, container);

    /// <summary>Every change of requests, when recording was asked for.</summary>
    public IReadOnlyList<AppliedRequests> History => _history ?? [];

    public long LastTimestamp => _last;

    public void Add(TraceRow row)
    {
        var t = row.Timestamp;
        if (t < _last)
        {
            throw new ArgumentException($"sample at {t} comes after one at {_last}: a series must be replayed in time order");
        }

        if (_first == long.MinValue)
        {
            _first = t;
            _nextRecompute = (t / SimulationRules.RecomputeEverySeconds + 1) * SimulationRules.RecomputeEverySeconds;
        }

        _last = t;
        while (_estimator is not null && _nextRecompute <= t)
        {
            Apply(_estimator.Recommend(_nextRecompute), _nextRecompute, afterOom: false);
            _nextRecompute += SimulationRules.RecomputeEverySeconds;
        }

        var scored = t >= _first + SimulationRules.WarmUpSeconds;
        var hasMemory = row.MemoryBytes > 0;
        var oom = hasMemory && _memoryRequest is { } limit && row.MemoryBytes > limit;
        if (scored)
        {
            Score(row, hasMemory, oom);
        }

        if (_estimator is null)
        {
            return;
        }

        _estimator.AddCpu(t, row.CpuCores);
        if (hasMemory)
        {
            _estimator.AddMemory(t, row.MemoryBytes);
        }

        if (oom)
        {
            // Memory limit = memory request: the container was killed. The strategy hears of it and the updater acts at once.
            _estimator.AddOom(t, row.MemoryBytes, _memoryRequest);
            Apply(_estimator.Recommend(t), t, afterOom: true);
        }
    }

    /// <summary>The sums for this series; a series with an OOM event counts once in OomSeries.</summary>
    public Score Finish()
    {
        _score.OomSeries = _score.OomEvents > 0 ? 1 : 0;
        return _score;
    }

    private void Score(TraceRow row, bool hasMemory, bool oom)
    {
        var cpu = _cpuRequest ?? 0;
        _score.ScoredSamples++;
        _score.CpuRequested += cpu;
        _score.CpuUsed += row.CpuCores;
        _score.CpuSlack += Math.Max(cpu - row.CpuCores, 0);
        _score.CpuShortfall += Math.Max(row.CpuCores - cpu, 0);
        _score.CpuShortfallSamples += row.CpuCores > cpu ? 1 : 0;
        if (hasMemory)
        {
            var memory = _memoryRequest ?? 0;
            _score.MemoryRequested += memory;
            _score.MemorySlack += Math.Max(memory - row.MemoryBytes, 0);
            _score.OomEvents += oom ? 1 : 0;
        }
    }

    private void Apply(ContainerEstimate estimate, long t, bool afterOom)
    {
        var forPod = _strategy!.ForPod(new Dictionary<string, ContainerEstimate> { [_container] = estimate })[_container];
        var cpu = forPod.Cpu is { } c ? Amounts.Millicores(c.Target) / 1000.0 : (double?)null;
        var memory = forPod.Memory is { } m ? Amounts.Bytes(m.Target) : (double?)null;
        var changed = false;
        var first = false;
        if (cpu is { } newCpu && Differs(_cpuRequest, newCpu, force: false))
        {
            first |= _cpuRequest is null;
            changed |= _cpuRequest is not null;
            _cpuRequest = newCpu;
        }

        if (memory is { } newMemory && Differs(_memoryRequest, newMemory, force: afterOom))
        {
            first |= _memoryRequest is null;
            changed |= _memoryRequest is not null;
            _memoryRequest = newMemory;
        }

        if (changed && t >= _first + SimulationRules.WarmUpSeconds)
        {
            _score.Changes++;
        }

        if (changed || first)
        {
            _history?.Add(new AppliedRequests(t, _cpuRequest, _memoryRequest));
        }
    }

    private static bool Differs(double? current, double wanted, bool force) => current switch
    {
        null => true,
        { } value when force => wanted != value,
        0 => wanted != 0,
        { } value => Math.Abs(wanted - value) / value > SimulationRules.ChangeThreshold,
    };
}
