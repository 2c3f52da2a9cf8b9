using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Profiling;

/// <summary>What one write did: profiles written, workloads whose data is still too thin, workloads waiting for Redis.</summary>
public sealed record WriteResult(IReadOnlyList<WorkloadProfile> Written, IReadOnlyList<WorkloadRef> Kept, int Pending);

/// <summary>
/// Writes what a cycle learned: the profile and the checkpoint of every workload with new data, and the removal of
/// gone workloads. With Redis down they wait in memory and go out with the first write after it is back.
/// </summary>
public sealed class ProfileWriter(
    IProfileStore store, ICheckpointStore checkpoints, IWorkloadCatalog catalog, IOptions<ProfilerOptions> options, ProfilerMetrics metrics, ILogger logger)
{
    private const int WriteBatch = 256;
    private readonly HashSet<WorkloadRef> _pendingDeletes = [];
    private readonly HashSet<string> _reportedProblems = [];
    private bool _redisWasDown;
    private long _storeEpoch;

    /// <summary>Removes the workload's profile and checkpoint with the next write.</summary>
    public void Delete(WorkloadRef workload) => _pendingDeletes.Add(workload);

    /// <summary>Writes the dirty states' profiles, stamped <paramref name="now"/>, with their connections; then the pending removals.</summary>
    public async Task<WriteResult> WriteAsync(
        IEnumerable<WorkloadState> states, DateTimeOffset now, Func<WorkloadRef, ConnectionProfile?> connections, NodeBounds bounds, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var gate = new RecommendationSettings(settings.MinSamples, settings.MinHistory.Value).Within(bounds);
        var largest = bounds.Largest;
        var written = new List<WorkloadProfile>();
        var kept = new List<WorkloadRef>();
        var failures = 0;

        // Writes acknowledged before a failover or a reconnection may be gone: write every state again, once.
        var epoch = store.Epoch;
        var rewriteAll = epoch != _storeEpoch;
        if (rewriteAll && _storeEpoch != 0)
        {
            logger.LogInformation("Redis reconnected or changed its master: writing every profile and checkpoint again, in case the last writes were lost");
        }

        _storeEpoch = epoch;
        foreach (var batch in states.Where(s => s.Dirty || rewriteAll).OrderBy(s => s.Workload.ToString(), StringComparer.Ordinal).Chunk(WriteBatch))
        {
            var results = await Task.WhenAll(batch.Select(state => WriteOneAsync(state, now, gate, largest, connections, cancellationToken)));
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
            catch (Exception e) when (LearnedStates.IsRedisFailure(e) && !settings.Once)
            {
                failures++;
            }
        }

        if (failures > 0 && rewriteAll)
        {
            _storeEpoch = long.MinValue; // not all rewritten: again with the next write
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
        return new WriteResult(written, kept, failures);
    }

    private async Task<(WorkloadRef Workload, WorkloadProfile? Profile, bool Ok)> WriteOneAsync(
        WorkloadState state, DateTimeOffset now, RecommendationSettings gate, NodeSize? largest, Func<WorkloadRef, ConnectionProfile?> connections,
        CancellationToken cancellationToken)
    {
        var policy = catalog.PolicyFor(state.Workload);
        ReportPolicyProblems(state.Workload, policy);
        var profile = ProfileBuilder.Build(state.Workload, state.Replay, now, gate, policy) is { } built
            ? built with { Connections = connections(state.Workload), LargestNode = largest }
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
            return (state.Workload, profile, true);
        }
        catch (Exception e) when (LearnedStates.IsRedisFailure(e) && !options.Value.Once)
        {
            return (state.Workload, profile, false);
        }
    }

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
}
