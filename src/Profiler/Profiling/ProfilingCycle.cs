using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

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
}

/// <summary>
/// One profiling cycle, incremental: each namespace has a cursor, the time up to which its usage has been read.
/// A cycle reads only what came after it (a namespace seen for the first time is backfilled over
/// <c>--history</c>, in chunks), folds the samples into each workload's learned state, and writes the profile
/// and a checkpoint of every workload that got new data. Workloads with too little data keep their stored
/// profile; if Redis is down the state waits in memory and is written when Redis is back.
/// </summary>
public sealed class ProfilingCycle(
    INamespaceSource namespaces,
    IWorkloadCatalog events,
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
    public const string CursorsKey = "cursors";
    private const int WriteBatch = 256;

    private readonly Dictionary<WorkloadRef, WorkloadState> _states = [];
    private readonly HashSet<WorkloadRef> _checkpointLooked = [];
    private readonly OwnershipResolver _owners = new();
    private readonly Dictionary<(string Namespace, string Pod), long> _unowned = [];
    private readonly Dictionary<string, long> _seriesSeen = new(StringComparer.Ordinal);
    private Dictionary<string, long>? _cursors;
    private bool _redisWasDown;
    private IReadOnlyDictionary<WorkloadRef, ConnectionProfile> _connections = new Dictionary<WorkloadRef, ConnectionProfile>();
    private bool? _meshSeen;

    /// <summary>Workloads whose state is held in memory.</summary>
    public int TrackedWorkloads => _states.Count;

    /// <summary>Container states held in memory.</summary>
    public int TrackedContainers => _states.Values.Sum(s => s.Containers.Count);

    public async Task<CycleReport> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = options.Value;
        var queriesBefore = usage.QueriesSent;
        if (settings.Once)
        {
            // A single run must be able to read and to write what it learns: fail at once, before any work, if it cannot.
            await store.PingAsync(cancellationToken);
            await usage.PingAsync(cancellationToken);
        }

        var namespaceList = await namespaces.GetNamespacesAsync(cancellationToken);
        if (namespaceList.Count == 0)
        {
            logger.LogWarning("No namespace to profile: label one with {Label} or pass --namespaces", ResorcererKeys.EnabledNamespaceSelector);
            return new CycleReport(namespaceList, 0, [], [], 0, 0, 0, 0, 0, stopwatch.Elapsed);
        }

        _cursors ??= await LoadCursorsAsync(cancellationToken);
        var step = (long)settings.Step.Value.TotalSeconds;
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var end = (now - (long)settings.Lag.Value.TotalSeconds) / step * step;
        var historyStart = (end - (long)settings.History.Value.TotalSeconds) / step * step;
        var tally = new Tally();

        // Namespaces that share a cursor share queries: normally all of them, after the first cycle.
        foreach (var group in namespaceList.GroupBy(ns => Math.Max(_cursors.GetValueOrDefault(ns, historyStart), historyStart)))
        {
            await ReadAsync([.. group], group.Key, end, tally, cancellationToken);
        }

        await ReadConnectionsAsync(namespaceList, end, cancellationToken);
        ForgetGoneWorkloads(now);
        var writing = Stopwatch.StartNew();
        var (written, kept, pending) = await PersistAsync(now, cancellationToken);
        await SaveCursorsAsync(cancellationToken);

        var report = new CycleReport(namespaceList, _owners.PodCount, written, kept, tally.Unowned.Count, tally.OomKills,
            tally.Samples, (int)(usage.QueriesSent - queriesBefore), pending, stopwatch.Elapsed)
        {
            Phases = (tally.Reading.Elapsed, tally.Folding.Elapsed, writing.Elapsed),
        };
        metrics.Record(report, TrackedWorkloads, TrackedContainers);
        if (kept.Count > 0)
        {
            logger.LogInformation("{Count} workload(s) keep their stored profile until their data is thick enough ({MinSamples} samples over {MinHistory}): {Examples}",
                kept.Count, settings.MinSamples, settings.MinHistory, Examples(kept));
        }

        if (tally.Unowned.Count > 0)
        {
            logger.LogInformation("{Count} container(s) belong to pods without a known controller and were not profiled", tally.Unowned.Count);
        }

        logger.LogInformation(
            "Cycle done in {Seconds:0.0} s: {Written} profile(s) written, {Kept} kept for thin data, {Tracked} workload(s) tracked, " +
            "{Samples} samples read in {Queries} queries, {Kills} OOM kill(s){Pending}",
            report.Duration.TotalSeconds, written.Count, kept.Count, TrackedWorkloads, tally.Samples, report.Queries, tally.OomKills,
            pending > 0 ? $", {pending} workload(s) waiting for Redis" : string.Empty);
        return report;
    }

    /// <summary>
    /// Reads the mesh traffic of the last <c>--connection-window</c> into every workload's connections. When the
    /// read fails, the connections of the last good read stay (they are written with the next profiles).
    /// </summary>
    private async Task ReadConnectionsAsync(IReadOnlyList<string> namespaceList, long end, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.ConnectionWindow.Value == TimeSpan.Zero)
        {
            return;
        }

        var window = new TimeWindow(DateTimeOffset.FromUnixTimeSeconds(end) - settings.ConnectionWindow.Value, DateTimeOffset.FromUnixTimeSeconds(end));
        IReadOnlyList<TrafficSeries> traffic;
        try
        {
            traffic = await connections.ReadTrafficAsync(namespaceList, window, settings.Step.Value, cancellationToken);
        }
        catch (PrometheusException e)
        {
            metrics.RecordError("prometheus");
            logger.LogWarning("Reading service-mesh traffic failed: {Error}. Connections stay as last read", e.Message);
            return;
        }

        var profiledNamespaces = namespaceList.ToHashSet(StringComparer.Ordinal);
        var kinds = _states.Keys.GroupBy(w => (w.Namespace, w.Name)).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.First().Kind);
        _connections = ConnectionGraph.Build(traffic, window, settings.Step.Value,
            workload => profiledNamespaces.Contains(workload.Namespace),
            (ns, name) => kinds.GetValueOrDefault((ns, name)));
        metrics.RecordConnections(_connections.Values.Sum(c => c.Outbound.Count));

        // Said once, and again only when it changes: a cluster without a mesh is normal.
        var seen = traffic.Count > 0;
        if (seen != _meshSeen)
        {
            if (seen)
            {
                logger.LogInformation("Service-mesh traffic found ({Meshes}): {Workloads} workload(s) have connections",
                    string.Join(", ", traffic.Select(t => t.Mesh).Distinct().Order()), _connections.Count);
            }
            else
            {
                logger.LogInformation("No Linkerd or Istio traffic metrics for [{Namespaces}]: profiles carry no connections (is a mesh installed, and are its proxies scraped?)",
                    string.Join(", ", namespaceList));
            }

            _meshSeen = seen;
        }
    }

    /// <summary>Reads the namespaces' usage from <paramref name="from"/> to <paramref name="end"/> chunk by chunk, folding each chunk in.</summary>
    private async Task ReadAsync(IReadOnlyList<string> group, long from, long end, Tally tally, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var step = (long)settings.Step.Value.TotalSeconds;
        var maxChunk = Math.Max(step, (long)settings.BackfillChunk.Value.TotalSeconds / step * step);
        var backfill = end - from > maxChunk;
        // Start small and let the chunk follow the data: a big cluster's hour can be millions of samples.
        var chunk = end - from > 900 ? Math.Max(step, Math.Min(maxChunk, 900 / step * step)) : maxChunk;
        var progress = Stopwatch.StartNew();
        if (backfill)
        {
            logger.LogInformation("Reading {Hours:0.#} h of history for [{Namespaces}] in chunks of at most {Chunk}",
                (end - from) / 3600.0, string.Join(", ", group), settings.BackfillChunk);
        }

        for (var start = from; start < end;)
        {
            var window = new TimeWindow(DateTimeOffset.FromUnixTimeSeconds(start + step), DateTimeOffset.FromUnixTimeSeconds(Math.Min(start + chunk, end)));
            var samplesBefore = tally.Samples;
            tally.Reading.Start();
            var data = await ReadChunkWithRetriesAsync(group, window, cancellationToken);
            tally.Reading.Stop();
            tally.Folding.Start();
            await FoldAsync(data, window.End.ToUnixTimeSeconds(), tally, cancellationToken);
            tally.Folding.Stop();
            foreach (var ns in group)
            {
                _cursors![ns] = window.End.ToUnixTimeSeconds();
            }

            start = window.End.ToUnixTimeSeconds();
            if (backfill && (progress.Elapsed > TimeSpan.FromSeconds(10) || start >= end))
            {
                logger.LogInformation("  history read up to {End:u} ({Done:P0}): {Samples} samples so far",
                    window.End, (start - from) / (double)(end - from), tally.Samples);
                progress.Restart();
            }

            // Stretch the chunks over stretches with little data (before the workloads existed), up to --backfill-chunk,
            // or a day when that is longer; shrink them when a chunk held more than a parse should.
            var read = tally.Samples - samplesBefore;
            if (read < SamplesPerChunk / 4)
            {
                chunk = Math.Min(chunk * 2, Math.Max(86400 / step * step, maxChunk));
            }
            else if (read > SamplesPerChunk)
            {
                chunk = Math.Max(step, chunk / 2 / step * step);
            }
        }
    }

    /// <summary>A read of about this many samples holds a few hundred MB while it is parsed: chunks grow only below it.</summary>
    private const long SamplesPerChunk = 2_000_000;

    private sealed record ChunkData(Ownership Owners, IReadOnlyList<ContainerUsage> Cpu, IReadOnlyList<ContainerUsage> Memory, IReadOnlyList<OomKill> Kills);

    private async Task<ChunkData> ReadChunkWithRetriesAsync(IReadOnlyList<string> group, TimeWindow window, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var cpu = await usage.ReadUsageAsync(UsageResource.Cpu, group, window, cancellationToken);
                var memory = await usage.ReadUsageAsync(UsageResource.Memory, group, window, cancellationToken);
                var kills = await usage.ReadOomKillsAsync(group, window, cancellationToken);

                // Ownership changes only when pods come and go: ask for it when the usage shows a pod not yet known
                // (or shows nothing, to tell an empty namespace from a partial answer).
                var unknown = cpu.Concat(memory).Any(c => _owners.WorkloadOf(c.Container.Namespace, c.Container.Pod) is null && !_unowned.ContainsKey((c.Container.Namespace, c.Container.Pod)));
                var owners = unknown || cpu.Count + memory.Count == 0
                    ? await usage.ReadOwnershipAsync(group, window, cancellationToken)
                    : new Ownership([], []);
                var key = string.Join(',', group);
                // Pods that exist but show no usage at all: Prometheus answered part of the question. Do not trust it.
                if (owners.Pods.Count > 0 && cpu.Count == 0 && memory.Count == 0 && _seriesSeen.GetValueOrDefault(key) > 0)
                {
                    throw new PrometheusException(
                        $"Prometheus reported {owners.Pods.Count} pod(s) in [{key}] but no usage for them (it had {_seriesSeen[key]} series before): treating the answer as partial");
                }

                _seriesSeen[key] = cpu.Count + memory.Count;
                return new ChunkData(owners, cpu, memory, kills);
            }
            catch (PrometheusException e) when (attempt <= settings.Retries && !cancellationToken.IsCancellationRequested)
            {
                var delay = settings.RetryDelay.Value * Math.Pow(2, attempt - 1);
                metrics.RecordError("prometheus");
                logger.LogWarning("Reading Prometheus failed (attempt {Attempt} of {Attempts}): {Error}. Retrying in {Delay:0.#} s",
                    attempt, settings.Retries + 1, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    /// <summary>Folds a chunk into the workloads' states, restoring the checkpoint of any workload met for the first time.</summary>
    private async Task FoldAsync(ChunkData data, long seen, Tally tally, CancellationToken cancellationToken)
    {
        _owners.Learn(data.Owners, seen);
        var batches = new Dictionary<(WorkloadRef Workload, string Container), ContainerSamples>();
        Collect(data.Cpu, s => s.Cpu);
        Collect(data.Memory, s => s.Memory);
        AddOomKills();
        await RestoreAsync(batches.Keys.Select(k => k.Workload).Distinct().Where(w => !_states.ContainsKey(w)).ToList(), cancellationToken);
        foreach (var ((workload, container), samples) in batches)
        {
            if (!_states.TryGetValue(workload, out var state))
            {
                _states[workload] = state = new WorkloadState(workload, strategy, options.Value.History.Value);
            }

            state.Container(container).Fold(samples.Cpu, samples.Memory, samples.OomKills);
            var newest = samples.Cpu.Concat(samples.Memory).Select(s => s.Timestamp).DefaultIfEmpty(seen).Max();
            state.LastSeen = Math.Max(state.LastSeen, newest);
            state.Dirty = true;
        }

        void Collect(IReadOnlyList<ContainerUsage> series, Func<ContainerSamples, List<PromSample>> pick)
        {
            foreach (var container in series)
            {
                tally.Samples += container.Samples.Count;
                if (_owners.WorkloadOf(container.Container.Namespace, container.Container.Pod) is not { } workload)
                {
                    tally.Unowned.Add(container.Container);
                    if (data.Owners.Pods.Count > 0)
                    {
                        // Ownership was read and still names no controller: a bare pod. Do not ask again for it.
                        _unowned[(container.Container.Namespace, container.Container.Pod)] = seen;
                    }

                    continue;
                }

                var key = (workload, container.Container.Container);
                if (!batches.TryGetValue(key, out var samples))
                {
                    batches[key] = samples = new ContainerSamples();
                }

                pick(samples).AddRange(container.Samples);
            }
        }

        void AddOomKills()
        {
            tally.OomKills += data.Kills.Count;
            if (data.Kills.Count == 0)
            {
                return;
            }

            var memoryOf = data.Memory.ToDictionary(m => m.Container, m => m.Samples);
            foreach (var kill in data.Kills)
            {
                // The memory in use at the kill: the highest reading in the ten minutes before it, else the container's highest.
                if (_owners.WorkloadOf(kill.Container.Namespace, kill.Container.Pod) is not { } workload
                    || !batches.TryGetValue((workload, kill.Container.Container), out var samples)
                    || !memoryOf.TryGetValue(kill.Container, out var readings) || readings.Count == 0)
                {
                    continue;
                }

                var before = readings.Where(r => r.Timestamp <= kill.Timestamp && r.Timestamp >= kill.Timestamp - 600).ToList();
                samples.OomKills.Add(new PromSample(kill.Timestamp, (before.Count > 0 ? before : readings).Max(r => r.Value)));
            }
        }
    }

    /// <summary>Restores checkpoints of workloads not in memory (once per workload per run); Redis down means starting afresh.</summary>
    private async Task RestoreAsync(List<WorkloadRef> workloads, CancellationToken cancellationToken)
    {
        foreach (var batch in workloads.Where(_checkpointLooked.Add).Chunk(WriteBatch))
        {
            var loaded = await Task.WhenAll(batch.Select(async workload => (workload, data: await TryLoadAsync(workload.ToString(), cancellationToken))));
            foreach (var (workload, data) in loaded.Where(l => l.data is not null))
            {
                try
                {
                    if (WorkloadState.Load(workload, strategy, options.Value.History.Value, data!) is { } restored)
                    {
                        _states[workload] = restored;
                    }
                    else
                    {
                        logger.LogInformation("The checkpoint of {Workload} was made with another strategy or history: learning afresh", workload);
                    }
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
                {
                    logger.LogWarning("Ignoring the unreadable checkpoint of {Workload}: {Error}", workload, e.Message);
                }
            }
        }
    }

    private void ForgetGoneWorkloads(long now)
    {
        foreach (var deleted in events.TakeDeleted(DateTimeOffset.FromUnixTimeSeconds(now) - options.Value.DeletedGrace.Value))
        {
            _states.Remove(deleted);
            _pendingDeletes.Add(deleted);
            logger.LogInformation("{Workload} was deleted more than {Grace} ago: removing its profile", deleted, options.Value.DeletedGrace);
        }

        var before = now - (long)options.Value.ForgetAfter.Value.TotalSeconds;
        _owners.Forget(before);
        foreach (var pod in _unowned.Where(p => p.Value < before).Select(p => p.Key).ToList())
        {
            _unowned.Remove(pod);
        }
        foreach (var gone in _states.Values.Where(s => s.LastSeen < before).ToList())
        {
            _states.Remove(gone.Workload);
            _pendingDeletes.Add(gone.Workload);
            logger.LogInformation("{Workload} has had no usage for {ForgetAfter}: removing its profile", gone.Workload, options.Value.ForgetAfter);
        }
    }

    private readonly HashSet<WorkloadRef> _pendingDeletes = [];

    /// <summary>Writes the profile and checkpoint of every workload with new data; on Redis errors they wait for the next cycle.</summary>
    private async Task<(List<WorkloadProfile> Written, List<WorkloadRef> Kept, int Pending)> PersistAsync(long now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var gate = new RecommendationSettings(settings.MinSamples, settings.MinHistory.Value);
        var written = new List<WorkloadProfile>();
        var kept = new List<WorkloadRef>();
        var at = DateTimeOffset.FromUnixTimeSeconds(now);
        var dirty = _states.Values.Where(s => s.Dirty).OrderBy(s => s.Workload.ToString(), StringComparer.Ordinal).ToList();
        var failures = 0;
        foreach (var batch in dirty.Chunk(WriteBatch))
        {
            var results = await Task.WhenAll(batch.Select(async state =>
            {
                var policy = events.PolicyFor(state.Workload);
                ReportPolicyProblems(state.Workload, policy);
                var profile = ProfileBuilder.Build(state, at, strategy, gate, policy) is { } built
                    ? built with { Connections = _connections.GetValueOrDefault(state.Workload) }
                    : null;
                try
                {
                    if (profile is not null)
                    {
                        await store.PutAsync(profile, cancellationToken);
                    }

                    var checkpoint = state.Save();
                    await checkpoints.SaveAsync(state.Workload.ToString(), checkpoint, cancellationToken);
                    metrics.RecordCheckpoint(checkpoint.Length);
                    state.Dirty = false;
                    return (state.Workload, profile, ok: true);
                }
                catch (Exception e) when (IsRedisFailure(e) && !settings.Once)
                {
                    return (state.Workload, profile, ok: false);
                }
            }));

            foreach (var (workload, profile, ok) in results)
            {
                if (!ok)
                {
                    failures++;
                }
                else if (profile is null)
                {
                    kept.Add(workload);
                }
                else
                {
                    written.Add(profile);
                }
            }
        }

        foreach (var gone in _pendingDeletes.ToList())
        {
            try
            {
                await store.DeleteAsync(gone, cancellationToken);
                await checkpoints.DeleteAsync(gone.ToString(), cancellationToken);
                _pendingDeletes.Remove(gone);
            }
            catch (Exception e) when (IsRedisFailure(e) && !settings.Once)
            {
                failures++;
            }
        }

        if (failures > 0)
        {
            metrics.RecordError("redis");
            if (!_redisWasDown)
            {
                logger.LogWarning("Redis is unavailable: {Count} workload(s) keep their new state in memory and are written when it is back", failures);
            }
        }
        else if (_redisWasDown)
        {
            logger.LogInformation("Redis is back: everything pending was written");
        }

        _redisWasDown = failures > 0;
        return (written, kept, failures);
    }

    private readonly HashSet<string> _reportedProblems = [];

    private void ReportPolicyProblems(WorkloadRef workload, WorkloadPolicy? policy)
    {
        foreach (var problem in policy?.Problems ?? [])
        {
            lock (_reportedProblems)
            {
                if (_reportedProblems.Add($"{workload}: {problem}"))
                {
                    logger.LogWarning("{Workload}: {Problem}; the setting is ignored", workload, problem);
                }
            }
        }
    }

    private async Task<Dictionary<string, long>> LoadCursorsAsync(CancellationToken cancellationToken)
    {
        var data = await TryLoadAsync(CursorsKey, cancellationToken);
        try
        {
            return data is null ? new Dictionary<string, long>(StringComparer.Ordinal) : JsonSerializer.Deserialize<Dictionary<string, long>>(data) ?? [];
        }
        catch (JsonException e)
        {
            logger.LogWarning("Ignoring unreadable cursors: {Error}", e.Message);
            return new Dictionary<string, long>(StringComparer.Ordinal);
        }
    }

    private async Task SaveCursorsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await checkpoints.SaveAsync(CursorsKey, JsonSerializer.SerializeToUtf8Bytes(_cursors), cancellationToken);
        }
        catch (Exception e) when (IsRedisFailure(e) && !options.Value.Once)
        {
            // Kept in memory; saved with the next cycle.
        }
    }

    private async Task<byte[]?> TryLoadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await checkpoints.LoadAsync(key, cancellationToken);
        }
        catch (Exception e) when (IsRedisFailure(e) && !options.Value.Once)
        {
            return null;
        }
    }

    private static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;

    private static string Examples(List<WorkloadRef> workloads) =>
        string.Join(", ", workloads.Take(5)) + (workloads.Count > 5 ? $" and {workloads.Count - 5} more" : string.Empty);

    private sealed class Tally
    {
        public HashSet<ContainerKey> Unowned { get; } = [];

        public long Samples { get; set; }

        public int OomKills { get; set; }

        public Stopwatch Reading { get; } = new();

        public Stopwatch Folding { get; } = new();
    }
}
