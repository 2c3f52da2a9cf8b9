using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Profiling;

/// <summary>
/// The workloads' learned states in memory. A workload met for the first time is restored from its checkpoint
/// before anything is folded into it, and learned state is never replaced by a thinner one: while its checkpoint
/// cannot be read (Redis slow or down) the workload waits, its new events held in memory (up to
/// <see cref="MaxWaitingEvents"/> in all). A checkpoint that cannot be parsed is copied aside, and one made with
/// another strategy or history left as it is; either way the workload is learned afresh from the whole history
/// Prometheus holds (<see cref="NamespacesToRelearn"/>), not only from what comes next.
/// </summary>
public sealed class LearnedStates(ICheckpointStore checkpoints, IRecommendationStrategy strategy, IOptions<ProfilerOptions> options, ProfilerMetrics metrics, ILogger logger)
{
    /// <summary>Events held at most, in all, for workloads waiting for their checkpoint; newer ones past it are dropped and counted.</summary>
    public const long MaxWaitingEvents = 2_000_000;

    private const int RestoreBatch = 256;

    /// <summary>Stands for a value of another type at the checkpoint's key: it does not parse.</summary>
    private static readonly byte[] NotACheckpoint = [0];
    private readonly Dictionary<WorkloadRef, WorkloadState> _states = [];
    private readonly Dictionary<WorkloadRef, List<UsageEvent>> _waiting = [];
    private readonly HashSet<WorkloadRef> _relearn = [];
    private long _waitingEvents;
    private bool _restoreFailing;

    /// <summary>Namespaces holding workloads to be learned afresh: their history is to be read again from its start.</summary>
    public IReadOnlyList<string> NamespacesToRelearn => [.. _relearn.Select(w => w.Namespace).Distinct().Order(StringComparer.Ordinal)];

    public IReadOnlyCollection<WorkloadState> All => _states.Values;

    /// <summary>Workloads whose checkpoint could not be read yet.</summary>
    public int Waiting => _waiting.Count;

    public int ContainerCount => _states.Values.Sum(s => s.Replay.Containers.Count);

    public bool TryGet(WorkloadRef workload, out WorkloadState state) => _states.TryGetValue(workload, out state!);

    /// <summary>
    /// Folds a chunk's events into the states, restoring the checkpoints of workloads not in memory first;
    /// <paramref name="fromHistoryStart"/> when the reading this chunk belongs to began at the start of the history.
    /// </summary>
    public async Task FoldAsync(FoldedChunk chunk, bool fromHistoryStart, CancellationToken cancellationToken)
    {
        await RestoreAsync([.. chunk.Events.Keys.Where(w => !_states.ContainsKey(w))], fromHistoryStart, cancellationToken);
        foreach (var (workload, events) in chunk.Events)
        {
            if (_states.TryGetValue(workload, out var state))
            {
                state.Fold(events);
            }
            else
            {
                Hold(workload, events);
            }
        }

        metrics.RecordWaitingRestores(_waiting.Count);
    }

    /// <summary>Tries again to restore the workloads whose checkpoint could not be read, folding in what was held for them.</summary>
    public async Task RestoreWaitingAsync(CancellationToken cancellationToken)
    {
        if (_waiting.Count > 0)
        {
            await RestoreAsync([.. _waiting.Keys], fromHistoryStart: false, cancellationToken);
            metrics.RecordWaitingRestores(_waiting.Count);
        }
    }

    /// <summary>
    /// The history of <paramref name="namespaces"/> has been read again from its start: workloads of theirs still
    /// without a state had no usage in it, and are no longer waited for.
    /// </summary>
    public void Relearned(IEnumerable<string> namespaces)
    {
        var done = namespaces.ToHashSet(StringComparer.Ordinal);
        _relearn.RemoveWhere(w => done.Contains(w.Namespace));
    }

    /// <summary>Drops the states of deleted workloads and of those with no usage since <paramref name="before"/>; returns them.</summary>
    public IReadOnlyList<WorkloadRef> Forget(IEnumerable<WorkloadRef> deleted, long before)
    {
        var gone = new List<WorkloadRef>();
        foreach (var workload in deleted)
        {
            _states.Remove(workload);
            DropWaiting(workload);
            gone.Add(workload);
        }

        foreach (var idle in _states.Values.Where(s => s.LastSeen < before).Select(s => s.Workload).ToList())
        {
            _states.Remove(idle);
            gone.Add(idle);
        }

        return gone;
    }

    /// <summary>
    /// Restores the workloads from their checkpoints. <paramref name="fromHistoryStart"/>: what is being read began at
    /// the start of the history, so a workload to be learned afresh can start empty now; otherwise it waits for its
    /// namespace's history to be read again.
    /// </summary>
    private async Task RestoreAsync(List<WorkloadRef> workloads, bool fromHistoryStart, CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var otherSettings = 0;
        foreach (var workload in workloads.Where(w => fromHistoryStart && _relearn.Remove(w)))
        {
            Start(workload, Empty(workload));
        }

        foreach (var batch in workloads.Where(w => !_relearn.Contains(w) && !_states.ContainsKey(w)).Chunk(RestoreBatch))
        {
            var loaded = await Task.WhenAll(batch.Select(async workload => (workload, result: await TryLoadAsync(workload, cancellationToken))));
            foreach (var (workload, (data, failure)) in loaded)
            {
                if (failure is not null)
                {
                    failures.Add(failure);
                    continue;
                }

                WorkloadState? restored;
                try
                {
                    restored = data is null ? Empty(workload) : WorkloadState.Load(workload, strategy, options.Value.History.Value, data);
                    otherSettings += restored is null ? 1 : 0;
                }
                catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
                {
                    if (await TryMoveAsideAsync(workload, e.Message, cancellationToken) is { } problem)
                    {
                        failures.Add(problem);
                        continue;
                    }

                    restored = null;
                }

                if (restored is not null)
                {
                    Start(workload, restored);
                }
                else if (fromHistoryStart)
                {
                    Start(workload, Empty(workload));
                }
                else
                {
                    Relearn(workload);
                }
            }
        }

        if (otherSettings > 0)
        {
            logger.LogInformation("{Count} checkpoint(s) were made with another --strategy or --history: those workloads are learned afresh from their history", otherSettings);
        }

        if (failures.Count > 0)
        {
            metrics.RecordError("redis");
            if (!_restoreFailing)
            {
                logger.LogWarning("The checkpoints of {Count} workload(s) cannot be read ({Problem}): they wait, and what is read for them is held in memory until their checkpoint can be read",
                    failures.Count, failures[0]);
            }
        }
        else if (_restoreFailing && _waiting.Count == 0)
        {
            logger.LogInformation("Checkpoints can be read again: every waiting workload was restored");
        }

        _restoreFailing = failures.Count > 0;
    }

    private WorkloadState Empty(WorkloadRef workload) => new(workload, strategy, options.Value.History.Value);

    private async Task<(byte[]? Data, string? Failure)> TryLoadAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        try
        {
            return (await checkpoints.LoadAsync(workload.ToString(), cancellationToken), null);
        }
        catch (InvalidDataException)
        {
            // Something else sits at the key: read as an unreadable checkpoint.
            return (NotACheckpoint, null);
        }
        catch (Exception e) when (IsRedisFailure(e) && !options.Value.Once)
        {
            return (null, e.Message);
        }
    }

    /// <summary>Copies an unreadable checkpoint aside; null when done, else why it could not be (the workload then waits).</summary>
    private async Task<string?> TryMoveAsideAsync(WorkloadRef workload, string error, CancellationToken cancellationToken)
    {
        try
        {
            var aside = await checkpoints.MoveAsideAsync(workload.ToString(), cancellationToken);
            metrics.RecordError("checkpoint_unreadable");
            logger.LogWarning("The checkpoint of {Workload} cannot be read ({Error}): a copy is kept at {Key}, and the workload is learned afresh",
                workload, error, aside);
            return null;
        }
        catch (Exception e) when (IsRedisFailure(e) && !options.Value.Once)
        {
            return $"the unreadable checkpoint of {workload} cannot be set aside: {e.Message}";
        }
    }

    private void Start(WorkloadRef workload, WorkloadState state)
    {
        _states[workload] = state;
        if (_waiting.Remove(workload, out var held))
        {
            _waitingEvents -= held.Count;
            state.Fold(held);
        }
    }

    /// <summary>To be learned from the start of its history; what was read for it so far is read again then.</summary>
    private void Relearn(WorkloadRef workload)
    {
        _relearn.Add(workload);
        DropWaiting(workload);
    }

    private void Hold(WorkloadRef workload, WorkloadUsage events)
    {
        if (_relearn.Contains(workload))
        {
            return; // read again with its namespace's history
        }

        if (_waitingEvents + events.Count > MaxWaitingEvents)
        {
            metrics.RecordDroppedEvents("checkpoint_unavailable", events.Count);
            return;
        }

        if (!_waiting.TryGetValue(workload, out var held))
        {
            _waiting[workload] = held = [];
        }

        held.AddRange(events);
        _waitingEvents += events.Count;
    }

    private void DropWaiting(WorkloadRef workload)
    {
        if (_waiting.Remove(workload, out var held))
        {
            _waitingEvents -= held.Count;
        }
    }

    public static bool IsRedisFailure(Exception e) => e is RedisException or TimeoutException or ObjectDisposedException;
}
