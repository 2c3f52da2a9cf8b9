using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;

namespace Resorcerer.Updater.Updating;

/// <summary>
/// What the updater remembers between passes: the workloads with an action in flight (one pod at a time), the
/// workloads backed off after failures, the actions of the last minute (the cluster-wide rate) and what has been
/// reported (an Event once per pod and reason, not once per pass).
/// </summary>
public sealed class WorkloadTracker(TimeSpan backoff, TimeSpan maxBackoff, int maxPerMinute)
{
    /// <summary>How long an eviction stays in flight at most, waiting for a replacement to be Ready.</summary>
    public static readonly TimeSpan EvictionSettle = TimeSpan.FromMinutes(10);

    private readonly Dictionary<WorkloadRef, InFlight> _inFlight = [];
    private readonly Dictionary<WorkloadRef, (int Failures, DateTimeOffset Until)> _backedOff = [];
    private readonly Queue<DateTimeOffset> _recent = new();
    private readonly Dictionary<string, HashSet<string>> _reported = new(StringComparer.Ordinal);

    /// <summary>An action not yet finished: a resize until the kubelet has taken it, an eviction until a replacement is Ready.</summary>
    public sealed record InFlight(string PodUid, string Pod, UpdateAction Action, long Generation, int ReadyBefore, DateTimeOffset Since, TimeSpan Limit);

    public int InFlightCount => _inFlight.Count;

    public IReadOnlyCollection<InFlight> InFlightActions => _inFlight.Values;

    public int BackedOffCount(DateTimeOffset now) => _backedOff.Count(b => b.Value.Until > now);

    /// <summary>Ends in-flight actions that have finished, judged on the pods now running; returns the resizes that finished with their pods.</summary>
    public List<(WorkloadRef Workload, InFlight Action, RunningPod? Pod)> Settle(IReadOnlyList<RunningPod> pods, DateTimeOffset now)
    {
        var finished = new List<(WorkloadRef, InFlight, RunningPod?)>();
        var byUid = pods.ToDictionary(p => p.Uid, StringComparer.Ordinal);
        foreach (var (workload, action) in _inFlight.ToList())
        {
            var pod = byUid.GetValueOrDefault(action.PodUid);
            var done = action.Action switch
            {
                // Deferred stays in flight: the kubelet may still apply it, and its fallback is for this pod alone.
                UpdateAction.Resize => pod is null || (pod.Generation > action.Generation && pod.Resize is ResizeState.None or ResizeState.Infeasible or ResizeState.Failed),
                _ => pod is null && pods.Count(p => p.Workload == workload && p.ReadySince is not null) >= action.ReadyBefore,
            };
            if (done || now - action.Since > action.Limit)
            {
                _inFlight.Remove(workload);
                finished.Add((workload, action, pod));
            }
        }

        return finished;
    }

    public bool IsInFlight(WorkloadRef workload) => _inFlight.ContainsKey(workload);

    /// <summary>Whether another pod of the workload has an action in flight (the pod itself may still fall back).</summary>
    public bool IsInFlightElsewhere(WorkloadRef workload, string podUid) => _inFlight.TryGetValue(workload, out var action) && action.PodUid != podUid;

    public void Started(WorkloadRef workload, RunningPod pod, UpdateAction action, TimeSpan limit, DateTimeOffset now)
    {
        _inFlight[workload] = new InFlight(pod.Uid, pod.ToString(), action, pod.Generation, pod.ReadyReplicas, now, limit);
        _recent.Enqueue(now);
    }

    /// <summary>Whether one more action fits in the last minute's budget.</summary>
    public bool WithinRate(DateTimeOffset now)
    {
        while (_recent.Count > 0 && now - _recent.Peek() >= TimeSpan.FromMinutes(1))
        {
            _recent.Dequeue();
        }

        return _recent.Count < maxPerMinute;
    }

    /// <summary>Counts an action against the rate without anything in flight (an eviction refused, say).</summary>
    public void Spent(DateTimeOffset now) => _recent.Enqueue(now);

    public bool IsBackedOff(WorkloadRef workload, DateTimeOffset now, out DateTimeOffset until)
    {
        until = _backedOff.TryGetValue(workload, out var entry) ? entry.Until : DateTimeOffset.MinValue;
        return until > now;
    }

    /// <summary>Records a failure: the workload is left alone for the backoff, doubled for each failure in a row.</summary>
    public DateTimeOffset Failed(WorkloadRef workload, DateTimeOffset now)
    {
        var failures = _backedOff.TryGetValue(workload, out var entry) ? entry.Failures + 1 : 1;
        var pause = TimeSpan.FromTicks(Math.Min(maxBackoff.Ticks, backoff.Ticks * (1L << Math.Min(failures - 1, 20))));
        _backedOff[workload] = (failures, now + pause);
        return now + pause;
    }

    public void Succeeded(WorkloadRef workload) => _backedOff.Remove(workload);

    /// <summary>True the first time a pod is reported for a reason; the pod's later passes stay quiet.</summary>
    public bool FirstReport(RunningPod pod, string reason)
    {
        if (!_reported.TryGetValue(pod.Uid, out var reasons))
        {
            _reported[pod.Uid] = reasons = new HashSet<string>(StringComparer.Ordinal);
        }

        return reasons.Add(reason);
    }

    /// <summary>Forgets the reports of pods that are gone.</summary>
    public void ForgetPodsExcept(IEnumerable<string> uids)
    {
        var alive = uids.ToHashSet(StringComparer.Ordinal);
        foreach (var uid in _reported.Keys.Where(u => !alive.Contains(u)).ToList())
        {
            _reported.Remove(uid);
        }
    }
}
