using System.Diagnostics;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Profiling;

/// <summary>What one cycle did, for logs, metrics and the caller of <c>--once</c>.</summary>
public sealed record CycleReport(
    IReadOnlyList<string> Namespaces,
    int Pods,
    IReadOnlyList<WorkloadProfile> Written,
    IReadOnlyList<WorkloadRef> KeptForThinData,
    int UnownedContainers,
    int OomKills,
    long SamplesRead,
    int Queries,
    int PendingWrites,
    TimeSpan Duration)
{
    /// <summary>Time spent waiting for Prometheus, folding samples in, and writing to Redis.</summary>
    public (TimeSpan Read, TimeSpan Fold, TimeSpan Write) Phases { get; init; }

    /// <summary>Workloads whose checkpoint could not be read yet: what was read for them waits in memory.</summary>
    public int WaitingForCheckpoint { get; init; }

    /// <summary>Readings not learned from, by reason (<see cref="UsageSanity"/>).</summary>
    public IReadOnlyDictionary<string, long> Rejected { get; init; } = new Dictionary<string, long>();
}

/// <summary>
/// One profiling cycle, incremental: each namespace has a cursor, the time up to which its usage has been read.
/// A cycle reads what came after it (a namespace seen for the first time is read over <c>--history</c>, in
/// chunks), folds each chunk into the workloads' learned states, and writes the profile and checkpoint of every
/// workload that got new data. The steps are in <see cref="RunAsync"/>; each job is done by one part.
/// </summary>
public sealed class ProfilingCycle
{
    private readonly INamespaceSource _namespaces;
    private readonly IWorkloadCatalog _catalog;
    private readonly IUsageSource _usage;
    private readonly IProfileStore _store;
    private readonly TimeProvider _time;
    private readonly IOptions<ProfilerOptions> _options;
    private readonly ProfilerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly UsageReader _reader;
    private readonly UsageFolder _folder = new();
    private readonly LearnedStates _states;
    private readonly ConnectionTracker _connections;
    private readonly ProfileWriter _writer;
    private readonly CursorStore _cursors;
    private bool _upgraded;

    public ProfilingCycle(
        INamespaceSource namespaces,
        IWorkloadCatalog catalog,
        IUsageSource usage,
        IConnectionSource connections,
        IProfileStore store,
        ICheckpointStore checkpoints,
        IRecommendationStrategy strategy,
        TimeProvider time,
        IOptions<ProfilerOptions> options,
        ProfilerMetrics metrics,
        ILogger<ProfilingCycle> logger)
    {
        (_namespaces, _catalog, _usage, _store, _time, _options, _metrics, _logger) = (namespaces, catalog, usage, store, time, options, metrics, logger);
        _reader = new UsageReader(usage, options, time, metrics, logger);
        _states = new LearnedStates(checkpoints, strategy, options, metrics, logger);
        _connections = new ConnectionTracker(connections, options, metrics, logger);
        _writer = new ProfileWriter(store, checkpoints, catalog, options, metrics, logger);
        _cursors = new CursorStore(checkpoints, options, logger);
    }

    /// <summary>Workloads whose state is held in memory.</summary>
    public int TrackedWorkloads => _states.All.Count;

    /// <summary>Container states held in memory.</summary>
    public int TrackedContainers => _states.ContainerCount;

    public async Task<CycleReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var settings = _options.Value;
        var queriesBefore = _usage.QueriesSent;
        if (settings.Once)
        {
            await CheckDependenciesAsync(cancellationToken);
        }

        var namespaces = await _namespaces.GetNamespacesAsync(cancellationToken);
        if (namespaces.Count == 0)
        {
            _logger.LogWarning("No namespace to profile: label one with {Label} or pass --namespaces", ResorcererKeys.EnabledNamespaceSelector);
            return new CycleReport(namespaces, 0, [], [], 0, 0, 0, 0, 0, clock.Elapsed);
        }

        await UpgradeStoreAsync(cancellationToken);
        var cursors = await _cursors.LoadAsync(cancellationToken);
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var (historyStart, end) = Window(now);
        var tally = new Tally();

        // 1. Workloads whose checkpoint could not be read before try again; the largest node's size is read again.
        await _states.RestoreWaitingAsync(cancellationToken);
        await _reader.RefreshBoundsAsync(DateTimeOffset.FromUnixTimeSeconds(end), cancellationToken);

        // 2. Read and fold what came since each namespace's cursor; namespaces that share a cursor share queries.
        foreach (var group in namespaces.GroupBy(ns => Math.Max(cursors.GetValueOrDefault(ns, historyStart), historyStart)))
        {
            await ReadAndFoldAsync([.. group], group.Key, end, group.Key == historyStart, cursors, tally, cancellationToken);
        }

        // ... and again from the start of the history where a workload is to be learned afresh (its checkpoint was
        // unreadable, or made with other settings): the others skip what they have already learned.
        if (_states.NamespacesToRelearn.Where(namespaces.Contains).ToList() is { Count: > 0 } relearn)
        {
            _logger.LogInformation("Reading the history of [{Namespaces}] again, to learn afresh the workloads whose checkpoint could not be used",
                string.Join(", ", relearn));
            await ReadAndFoldAsync(relearn, historyStart, end, fromHistoryStart: true, cursors, tally, cancellationToken);
            _states.Relearned(relearn);
        }

        // 3. The service-mesh traffic of the last window, for the profiles' connections.
        await _connections.RefreshAsync(namespaces, end, KindOf(), cancellationToken);

        // 4. Forget deleted and long-idle workloads.
        Forget(now);

        // 5. Write profiles and checkpoints of what changed, then the cursors.
        var writing = Stopwatch.StartNew();
        var result = await _writer.WriteAsync(_states.All, DateTimeOffset.FromUnixTimeSeconds(now), _connections.For, _reader.Bounds, cancellationToken);
        await _cursors.SaveAsync(cancellationToken);

        var report = new CycleReport(namespaces, _folder.PodCount, result.Written, result.Kept, tally.Unowned.Count, tally.OomKills,
            tally.Samples, (int)(_usage.QueriesSent - queriesBefore), result.Pending, clock.Elapsed)
        {
            Phases = (_reader.Reading.Elapsed, tally.Folding.Elapsed, writing.Elapsed),
            WaitingForCheckpoint = _states.Waiting,
            Rejected = tally.Rejected,
        };
        _reader.Reading.Reset();
        _metrics.Record(report, TrackedWorkloads, TrackedContainers);
        Log(report);
        return report;
    }

    /// <summary>Once per process: profiles written in an older key layout (by an older profiler) are carried forward.</summary>
    private async Task UpgradeStoreAsync(CancellationToken cancellationToken)
    {
        if (_upgraded)
        {
            return;
        }

        var copied = await _store.UpgradeAsync(cancellationToken);
        _upgraded = true;
        if (copied > 0)
        {
            _logger.LogInformation("Copied {Count} profiles from the v1 Redis keys to the v2 layout (the v1 keys are kept for readers that have not moved)", copied);
        }
    }

    private async Task ReadAndFoldAsync(
        IReadOnlyList<string> group, long from, long end, bool fromHistoryStart, Dictionary<string, long> cursors, Tally tally, CancellationToken cancellationToken)
    {
        await foreach (var chunk in _reader.ReadAsync(group, from, end, _folder.Knows, cancellationToken))
        {
            tally.Folding.Start();
            var folded = _folder.Fold(chunk, _reader.Bounds, (long)_options.Value.Step.Value.TotalSeconds);
            await _states.FoldAsync(folded, fromHistoryStart, cancellationToken);
            tally.Add(folded);
            tally.Folding.Stop();
            foreach (var ns in group)
            {
                cursors[ns] = chunk.Window.End.ToUnixTimeSeconds();
            }
        }
    }

    /// <summary>The cycle's window: from the start of the history to now less <c>--lag</c>, both on whole steps.</summary>
    private (long HistoryStart, long End) Window(long now)
    {
        var settings = _options.Value;
        var step = (long)settings.Step.Value.TotalSeconds;
        var end = (now - (long)settings.Lag.Value.TotalSeconds) / step * step;
        return ((end - (long)settings.History.Value.TotalSeconds) / step * step, end);
    }

    /// <summary>A single run must be able to read and to write what it learns: it checks both first, retrying like any read.</summary>
    private async Task CheckDependenciesAsync(CancellationToken cancellationToken)
    {
        var settings = _options.Value;
        await _store.PingAsync(cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _usage.PingAsync(cancellationToken);
                return;
            }
            catch (PrometheusException e) when (attempt <= settings.Retries && !cancellationToken.IsCancellationRequested)
            {
                var delay = settings.RetryDelay.Value * Math.Pow(2, attempt - 1);
                _logger.LogWarning("Prometheus does not answer yet (attempt {Attempt} of {Attempts}): {Error}. Retrying in {Delay:0.#} s",
                    attempt, settings.Retries + 1, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, _time, cancellationToken);
            }
        }
    }

    /// <summary>The kind of a workload known by namespace and name only (as Istio names them), when just one kind has that name.</summary>
    private Func<string, string, string?> KindOf()
    {
        var kinds = _states.All.Select(s => s.Workload).GroupBy(w => (w.Namespace, w.Name)).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Key, g => g.First().Kind);
        return (ns, name) => kinds.GetValueOrDefault((ns, name));
    }

    private void Forget(long now)
    {
        var settings = _options.Value;
        var deleted = _catalog.TakeDeleted(DateTimeOffset.FromUnixTimeSeconds(now) - settings.DeletedGrace.Value);
        var before = now - (long)settings.ForgetAfter.Value.TotalSeconds;
        _folder.Forget(before);
        var deletedSet = deleted.ToHashSet();
        foreach (var gone in _states.Forget(deleted, before))
        {
            _writer.Delete(gone);
            if (deletedSet.Contains(gone))
            {
                _logger.LogInformation("{Workload} was deleted more than {Grace} ago: removing its profile", gone, settings.DeletedGrace);
            }
            else
            {
                _logger.LogInformation("{Workload} has had no usage for {ForgetAfter}: removing its profile", gone, settings.ForgetAfter);
            }
        }
    }

    private void Log(CycleReport report)
    {
        var settings = _options.Value;
        if (report.KeptForThinData.Count > 0)
        {
            _logger.LogInformation("{Count} workload(s) keep their stored profile until their data is thick enough ({MinSamples} samples over {MinHistory}): {Examples}",
                report.KeptForThinData.Count, settings.MinSamples, settings.MinHistory, Examples(report.KeptForThinData));
        }

        if (report.Rejected.Count > 0)
        {
            _logger.LogWarning("{Count} reading(s) were not learned from: {Reasons} (see resorcerer_profiler_samples_rejected_total)",
                report.Rejected.Values.Sum(), string.Join(", ", report.Rejected.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Value} {r.Key.Replace('_', ' ')}")));
        }

        if (report.UnownedContainers > 0)
        {
            _logger.LogInformation("{Count} container(s) belong to pods without a known controller and were not profiled", report.UnownedContainers);
        }

        _logger.LogInformation(
            "Cycle done in {Seconds:0.0} s: {Written} profile(s) written, {Kept} kept for thin data, {Tracked} workload(s) tracked, " +
            "{Samples} samples read in {Queries} queries, {Kills} OOM kill(s){Pending}{Waiting}",
            report.Duration.TotalSeconds, report.Written.Count, report.KeptForThinData.Count, TrackedWorkloads, report.SamplesRead, report.Queries,
            report.OomKills,
            report.PendingWrites > 0 ? $", {report.PendingWrites} workload(s) waiting for Redis" : string.Empty,
            report.WaitingForCheckpoint > 0 ? $", {report.WaitingForCheckpoint} workload(s) waiting for their checkpoint" : string.Empty);
    }

    private static string Examples(IReadOnlyList<WorkloadRef> workloads) =>
        string.Join(", ", workloads.Take(5)) + (workloads.Count > 5 ? $" and {workloads.Count - 5} more" : string.Empty);

    private sealed class Tally
    {
        public HashSet<ContainerKey> Unowned { get; } = [];

        public long Samples { get; private set; }

        public int OomKills { get; private set; }

        public Stopwatch Folding { get; } = new();

        public Dictionary<string, long> Rejected { get; } = new(StringComparer.Ordinal);

        public void Add(FoldedChunk chunk)
        {
            Unowned.UnionWith(chunk.Unowned);
            Samples += chunk.Samples;
            OomKills += chunk.OomKills;
            foreach (var (reason, count) in chunk.Rejected)
            {
                Rejected[reason] = Rejected.GetValueOrDefault(reason) + count;
            }
        }
    }
}
