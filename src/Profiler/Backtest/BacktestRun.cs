using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Backtest;

/// <summary>One line of a backtest report: a strategy's score over all series.</summary>
public sealed record BacktestResult(
    string Strategy,
    long Series,
    long ScoredSamples,
    double CpuSlack,
    double MemorySlack,
    double CpuShortfall,
    double CpuShortfallSamples,
    long OomEvents,
    long OomSeries,
    long Changes)
{
    public static BacktestResult From(string strategy, Score score) => new(
        strategy,
        score.Series,
        score.ScoredSamples,
        Ratio(score.CpuSlack, score.CpuRequested),
        Ratio(score.MemorySlack, score.MemoryRequested),
        Ratio(score.CpuShortfall, score.CpuUsed),
        Ratio(score.CpuShortfallSamples, score.ScoredSamples),
        score.OomEvents,
        score.OomSeries,
        score.Changes);

    private static double Ratio(double part, double whole) => whole > 0 ? part / whole : 0;
}

/// <summary>One series' line of a <c>--by-series</c> report: a strategy's score on one container of one workload.</summary>
public sealed record SeriesResult(string Workload, string Container, BacktestResult Result)
{
    /// <summary>Worst first: the most OOM kills, then the most CPU shortfall; then by name and strategy, for a stable order.</summary>
    public static IComparer<SeriesResult> WorstFirst { get; } = Comparer<SeriesResult>.Create((a, b) =>
    {
        var order = b.Result.OomEvents.CompareTo(a.Result.OomEvents);
        order = order != 0 ? order : b.Result.CpuShortfall.CompareTo(a.Result.CpuShortfall);
        order = order != 0 ? order : string.CompareOrdinal(a.Workload, b.Workload);
        order = order != 0 ? order : string.CompareOrdinal(a.Container, b.Container);
        return order != 0 ? order : string.CompareOrdinal(a.Result.Strategy, b.Result.Strategy);
    });
}

/// <summary>The owner's static sizes of a series, from a <c>*.provisioned.csv</c>.</summary>
public readonly record struct Provisioned(double CpuCores, double MemoryBytes);

/// <summary>
/// Replays traces through several strategies at once. Rows of different workloads may interleave, but each
/// workload's rows (all its containers) must be in time order. Memory grows with the number of series, not of rows.
/// </summary>
public sealed class BacktestRun(
    IReadOnlyList<IRecommendationStrategy> strategies, IReadOnlyDictionary<(string Workload, string Container), Provisioned>? provisioned, UpdateModel? updates = null)
{
    public const string ProvisionedName = "provisioned";
    private readonly Dictionary<string, WorkloadSimulation[]> _workloads = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Workload, string Container), FixedRequests> _provisioned = [];

    public long Rows { get; private set; }

    public void Add(TraceRow row, string source, int line)
    {
        if (!_workloads.TryGetValue(row.Workload, out var simulations))
        {
            _workloads[row.Workload] = simulations = strategies.Select(s => new WorkloadSimulation(s, updates: updates)).ToArray();
        }

        if (row.Timestamp < simulations[0].LastTimestamp)
        {
            throw new TraceFormatException(
                $"{source}:{line}: timestamp {row.Timestamp} of {row.Workload}/{row.Container} is before the workload's previous sample at " +
                $"{simulations[0].LastTimestamp}; each workload's rows must be in time order (sort by workload, then timestamp)");
        }

        var key = (row.Workload, row.Container);
        if (!_provisioned.TryGetValue(key, out var fixedSizes) && provisioned is not null && provisioned.TryGetValue(key, out var sizes))
        {
            _provisioned[key] = fixedSizes = new FixedRequests(sizes.CpuCores, sizes.MemoryBytes);
        }

        foreach (var simulation in simulations)
        {
            simulation.Add(row);
        }

        fixedSizes?.Add(row);
        Rows++;
    }

    public IReadOnlyList<BacktestResult> Results()
    {
        var results = new List<BacktestResult>();
        for (var i = 0; i < strategies.Count; i++)
        {
            var total = new Score();
            foreach (var simulations in _workloads.Values)
            {
                total.Add(simulations[i].Finish());
            }

            results.Add(BacktestResult.From(strategies[i].Name, total));
        }

        if (provisioned is not null)
        {
            var total = new Score();
            foreach (var simulation in _provisioned.Values)
            {
                total.Add(simulation.Finish());
            }

            results.Add(BacktestResult.From(ProvisionedName, total));
        }

        return results;
    }

    /// <summary>Every strategy's score on every series (and the provisioned sizes'), worst first.</summary>
    public IReadOnlyList<SeriesResult> SeriesResults()
    {
        var results = new List<SeriesResult>();
        foreach (var (workload, simulations) in _workloads)
        {
            for (var i = 0; i < strategies.Count; i++)
            {
                foreach (var (container, score) in simulations[i].FinishEach())
                {
                    results.Add(new SeriesResult(workload, container, BacktestResult.From(strategies[i].Name, score)));
                }
            }
        }

        foreach (var ((workload, container), simulation) in _provisioned)
        {
            results.Add(new SeriesResult(workload, container, BacktestResult.From(ProvisionedName, simulation.Finish())));
        }

        results.Sort(SeriesResult.WorstFirst);
        return results;
    }
}
