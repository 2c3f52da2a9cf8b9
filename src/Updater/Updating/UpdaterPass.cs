using Microsoft.Extensions.Options;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Updater.Kubernetes;
using Resorcerer.Updater.Usage;
using Resorcerer.Updating.Kubernetes;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;

namespace Resorcerer.Updater.Updating;

/// <summary>What became of one pod in a pass.</summary>
public sealed record PodOutcome(RunningPod Pod, UpdateAction Action, string Reason, string Result, string Message);

/// <summary>A pass: every pod of a profiled workload, what was decided and what came of it.</summary>
public sealed record PassReport(DateTimeOffset At, TimeSpan Duration, IReadOnlyList<PodOutcome> Considered)
{
    public IEnumerable<PodOutcome> Acted => Considered.Where(c => c.Action != UpdateAction.None);
}

/// <summary>
/// One pass over the running pods: reads their profiles and (where a rule needs them) their working sets, asks
/// <see cref="UpdatePlanner"/> what to do with each, and does it within the safety rules: one pod of a workload in
/// flight, the cluster-wide rate, backoff after failures. Every action is logged, counted and, unless
/// <c>--dry-run</c>, recorded as an Event on the pod.
/// </summary>
public sealed class UpdaterPass(
    PodWatch watch,
    IProfileReader profiles,
    IWorkingSetSource workingSets,
    IPodActions actions,
    IMemoryPressureLog pressure,
    IUpdateLog updates,
    WorkloadTracker tracker,
    UpdaterMetrics metrics,
    IOptions<UpdaterOptions> options,
    TimeProvider time,
    ILogger<UpdaterPass> logger)
{
    private readonly UpdateSettings _rules = options.Value.Rules;

    /// <summary>The pods as the updater reads them now, each with its workload's Ready count.</summary>
    public IReadOnlyList<RunningPod> CurrentPods()
    {
        var pods = watch.Pods.Select(p => (Pod: p, Read: PodReading.Read(p))).ToList();
        var ready = pods.Where(p => p.Read.Workload is not null && PodReading.IsReady(p.Pod))
            .GroupBy(p => p.Read.Workload!).ToDictionary(g => g.Key, g => g.Count());
        return [.. pods.Select(p => p.Read with { ReadyReplicas = p.Read.Workload is { } w ? ready.GetValueOrDefault(w) : 0 })];
    }

    public async Task<PassReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var pods = CurrentPods();
        Settle(pods, now);

        var profiled = await ProfilesAsync(pods, cancellationToken);
        var usage = await WorkingSetsAsync(profiled, cancellationToken);
        var decisions = profiled
            .Select(p => (p.Pod, Decision: UpdatePlanner.Decide(p.Pod, p.Profile, usage?.GetValueOrDefault(new PodName(p.Pod.Namespace, p.Pod.Name)), _rules, now)))
            .OrderBy(d => Priority(d.Decision))
            .ToList();

        var outcomes = new List<PodOutcome>();
        var budgetBlocked = new HashSet<WorkloadRef>();
        foreach (var (pod, decision) in decisions)
        {
            if (decision.Action == UpdateAction.Evict && budgetBlocked.Contains(pod.Workload!))
            {
                // Its disruption budget refused one of its pods a moment ago: it would refuse the next as well.
                outcomes.Add(new PodOutcome(pod, decision.Action, decision.Reason, "blocked", $"another pod of {pod.Workload} was just refused by its disruption budget; {decision.Message}"));
                continue;
            }

            var outcome = await ActAsync(pod, decision, now, cancellationToken);
            if (outcome.Action == UpdateAction.Evict && outcome.Result == "blocked")
            {
                budgetBlocked.Add(pod.Workload!);
            }

            if (decision.Pressure.Count > 0 && outcome.Result == "done")
            {
                await TellProfilerAsync(pod, decision, now, cancellationToken);
            }

            outcomes.Add(outcome);
        }

        await RecordAsync(outcomes, now, cancellationToken);
        tracker.ForgetPodsExcept(pods.Select(p => p.Uid));
        var report = new PassReport(now, time.GetElapsedTime(started), outcomes);
        metrics.Pass(report, tracker.InFlightCount, tracker.BackedOffCount(now));
        return report;
    }

    /// <summary>Ends the in-flight actions that have finished, and backs off workloads whose resize the kubelet could not apply.</summary>
    private void Settle(IReadOnlyList<RunningPod> pods, DateTimeOffset now)
    {
        foreach (var (workload, action, pod) in tracker.Settle(pods, now))
        {
            if (action.Action != UpdateAction.Resize)
            {
                continue;
            }

            if (pod?.Resize is ResizeState.Infeasible or ResizeState.Failed)
            {
                var until = tracker.Failed(workload, now);
                logger.LogWarning("The resize of {Pod} did not take ({State}: {Message}); {Workload} is left alone until {Until:u}",
                    action.Pod, pod.Resize, pod.ResizeMessage, workload, until);
            }
            else if (pod is not null && pod.Resize == ResizeState.None)
            {
                tracker.Succeeded(workload);
                logger.LogInformation("The resize of {Pod} is done: its containers run with the new resources", action.Pod);
            }
        }
    }

    private async Task<List<(RunningPod Pod, WorkloadProfile Profile)>> ProfilesAsync(IReadOnlyList<RunningPod> pods, CancellationToken cancellationToken)
    {
        var workloads = pods.Where(p => p.Workload is not null && p.Running).Select(p => p.Workload!).Distinct().ToList();
        var found = new Dictionary<WorkloadRef, WorkloadProfile>();
        foreach (var chunk in workloads.Chunk(64))
        {
            var read = await Task.WhenAll(chunk.Select(w => profiles.GetAsync(w, cancellationToken)));
            foreach (var (workload, profile) in chunk.Zip(read))
            {
                if (profile is not null)
                {
                    found[workload] = profile;
                }
            }
        }

        return [.. pods.Where(p => p.Workload is not null && found.ContainsKey(p.Workload)).Select(p => (p, found[p.Workload!]))];
    }

    /// <summary>The working sets of the pods whose mode acts on running pods, in one read; null when they cannot be had this pass.</summary>
    private async Task<IReadOnlyDictionary<PodName, IReadOnlyDictionary<string, double>>?> WorkingSetsAsync(
        List<(RunningPod Pod, WorkloadProfile Profile)> profiled, CancellationToken cancellationToken)
    {
        var namespaces = profiled.Where(p => (p.Profile.Policy ?? WorkloadPolicy.Default).ActsOnRunningPods).Select(p => p.Pod.Namespace).ToHashSet(StringComparer.Ordinal);
        if (namespaces.Count == 0 || !workingSets.Available)
        {
            return null;
        }

        try
        {
            return await workingSets.ReadAsync(namespaces, cancellationToken);
        }
        catch (Exception e) when (e is PrometheusApi.PrometheusException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not read working sets from Prometheus: {Error}. This pass the memory guard waits and no memory limit is lowered", e.Message);
            return null;
        }
    }

    /// <summary>Records the pressure the guard acted on, for the profiler to learn from; a failure to record it is logged, the action stands.</summary>
    private async Task TellProfilerAsync(RunningPod pod, UpdateDecision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            await pressure.RecordAsync(
                [.. decision.Pressure.Select(p => new MemoryPressure(pod.Namespace, pod.Name, p.Container, now.ToUnixTimeSeconds(), p.WorkingSetBytes))], cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Could not record the memory pressure of {Pod} for the profiler: {Error}. Its profile will learn of it only from usage", pod, e.Message);
        }
    }

    /// <summary>What counts as done, tried or refused in the log the dashboard reads; a failure to record is logged, the actions stand.</summary>
    private async Task RecordAsync(IReadOnlyList<PodOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var group in outcomes.Where(o => o.Result is "done" or "refused" or "failed" or "dry_run").GroupBy(o => o.Pod.Namespace))
        {
            var records = group.Select(o => new UpdateRecord(now.ToUnixTimeSeconds(), o.Pod.Workload!.ToString(), o.Pod.Name,
                o.Action.ToString().ToLowerInvariant(), o.Reason, o.Result, o.Message)).ToList();
            try
            {
                await updates.RecordAsync(group.Key, records, cancellationToken);
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                logger.LogWarning("Could not record {Count} action(s) in {Namespace} for the dashboard: {Error}", records.Count, group.Key, e.Message);
            }
        }
    }

    private async Task<PodOutcome> ActAsync(RunningPod pod, UpdateDecision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        PodOutcome Outcome(string result, string? message = null) => new(pod, decision.Action, decision.Reason, result, message ?? decision.Message);
        var workload = pod.Workload!;
        if (decision.Action == UpdateAction.None)
        {
            return Outcome("none");
        }

        if (decision.Action == UpdateAction.Report)
        {
            if (tracker.FirstReport(pod, decision.Reason))
            {
                logger.LogWarning("Pod {Pod}: {Message}", pod, decision.Message);
                if (!options.Value.DryRun)
                {
                    await actions.RecordEventAsync(pod, "Warning", EventReasons.For(decision.Reason), decision.Message, cancellationToken);
                }

                metrics.Action("report", options.Value.DryRun ? "dry_run" : "done");
            }

            return Outcome("reported");
        }

        if (tracker.IsInFlightElsewhere(workload, pod.Uid))
        {
            return Outcome("waiting", $"another pod of {workload} is being updated; {decision.Message}");
        }

        // A fallback answers this pod's own failed resize: the backoff is for the workload's other pods.
        if (!IsFallback(decision) && tracker.IsBackedOff(workload, now, out var until))
        {
            return Outcome("backed_off", $"{workload} is backed off until {until:u} after failed updates; {decision.Message}");
        }

        var resizes = decision.Action == UpdateAction.Resize && decision.Operations.Count > 0;
        if ((resizes || decision.Action == UpdateAction.Evict) && !tracker.WithinRate(now))
        {
            metrics.RateLimited();
            return Outcome("rate_limited", $"put off: --max-updates-per-minute {options.Value.MaxUpdatesPerMinute} reached; {decision.Message}");
        }

        var verb = decision.Action == UpdateAction.Resize ? "resize" : "evict";
        if (options.Value.DryRun)
        {
            logger.LogInformation("Dry run: would {Verb} {Pod} ({Reason}): {Message}", verb, pod, decision.Reason, decision.Message);
            metrics.Action(verb, "dry_run");
            tracker.Spent(now);
            return Outcome("dry_run");
        }

        return decision.Action == UpdateAction.Resize
            ? await ResizeAsync(pod, decision, resizes, now, cancellationToken)
            : await EvictAsync(pod, decision, now, cancellationToken);
    }

    private async Task<PodOutcome> ResizeAsync(RunningPod pod, UpdateDecision decision, bool resizes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var workload = pod.Workload!;
        if (resizes)
        {
            var outcome = await actions.ResizeAsync(pod, decision.Operations, cancellationToken);
            metrics.Action("resize", Result(outcome.Result));
            if (outcome.Result != ActionResult.Done)
            {
                return await NotDoneAsync(pod, decision, outcome, "ResizeRefused", now, cancellationToken);
            }

            tracker.Started(workload, pod, UpdateAction.Resize, _rules.InProgressTimeout + _rules.DeferredTimeout, now);
            logger.LogInformation("Resized {Pod} in place ({Reason}): {Message}", pod, decision.Reason, decision.Message);
            await actions.RecordEventAsync(pod, "Normal", EventReasons.Resized, decision.Message, cancellationToken);
        }

        if (decision.Annotations.Count > 0)
        {
            var annotated = await actions.AnnotateAsync(pod, decision.Annotations, cancellationToken);
            if (annotated.Result is not (ActionResult.Done or ActionResult.Gone))
            {
                logger.LogWarning("Could not annotate {Pod}: {Detail}", pod, annotated.Detail);
            }
        }

        return new PodOutcome(pod, decision.Action, decision.Reason, resizes ? "done" : "annotated", decision.Message);
    }

    private async Task<PodOutcome> EvictAsync(RunningPod pod, UpdateDecision decision, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var outcome = await actions.EvictAsync(pod, cancellationToken);
        metrics.Action("evict", Result(outcome.Result));
        if (outcome.Result != ActionResult.Done)
        {
            return await NotDoneAsync(pod, decision, outcome, "EvictionRefused", now, cancellationToken);
        }

        tracker.Started(pod.Workload!, pod, UpdateAction.Evict, WorkloadTracker.EvictionSettle, now);
        logger.LogInformation("Evicted {Pod} ({Reason}): {Message}; its replacement is sized at admission", pod, decision.Reason, decision.Message);
        await actions.RecordEventAsync(pod, "Normal", EventReasons.Evicted, $"{decision.Message}; evicted so that its replacement is sized at admission", cancellationToken);
        return new PodOutcome(pod, decision.Action, decision.Reason, "done", decision.Message);
    }

    /// <summary>An action the API server did not take: blocked ones are tried again next pass, refused or failed ones back the workload off.</summary>
    private async Task<PodOutcome> NotDoneAsync(RunningPod pod, UpdateDecision decision, ActionOutcome outcome, string refusedReason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var workload = pod.Workload!;
        switch (outcome.Result)
        {
            case ActionResult.Blocked:
                tracker.Spent(now);
                if (tracker.FirstReport(pod, "blocked:" + decision.Action))
                {
                    var blocked = decision.Action == UpdateAction.Evict
                        ? $"not evicted yet: {outcome.Detail} (a PodDisruptionBudget allows no disruption now); tried again next pass"
                        : $"not resized yet: {outcome.Detail}; tried again next pass";
                    logger.LogInformation("Pod {Pod}: {Message}", pod, blocked);
                    await actions.RecordEventAsync(pod, "Normal", decision.Action == UpdateAction.Evict ? EventReasons.EvictionBlocked : EventReasons.ResizeConflict,
                        $"{decision.Message}; {blocked}", cancellationToken);
                }

                return new PodOutcome(pod, decision.Action, decision.Reason, "blocked", outcome.Detail);
            case ActionResult.Gone:
                return new PodOutcome(pod, decision.Action, decision.Reason, "gone", outcome.Detail);
            default:
                tracker.Spent(now);
                var until = tracker.Failed(workload, now);
                var what = outcome.Result == ActionResult.Refused ? "refused by the API server" : "failed";
                logger.LogWarning("Pod {Pod}: {Verb} {What}: {Detail}. {Workload} is left alone until {Until:u}",
                    pod, decision.Action == UpdateAction.Evict ? "eviction" : "resize", what, outcome.Detail, workload, until);
                if (outcome.Result == ActionResult.Refused)
                {
                    await actions.RecordEventAsync(pod, "Warning", refusedReason, $"{decision.Message}; {what}: {outcome.Detail}", cancellationToken);
                }

                return new PodOutcome(pod, decision.Action, decision.Reason, outcome.Result == ActionResult.Refused ? "refused" : "failed", outcome.Detail);
        }
    }

    private static bool IsFallback(UpdateDecision decision) => decision.Reason is "resize_infeasible" or "resize_deferred" or "resize_stuck" or "resize_failed";

    private static string Result(ActionResult result) => result.ToString().ToLowerInvariant();

    /// <summary>Emergencies first (the guard, OOM kills), then boosts ending, fallbacks, then moves towards the profile.</summary>
    private static int Priority(UpdateDecision decision) => decision.Reason switch
    {
        "memory_guard" => 0,
        "oom_killed" => 1,
        "startup_boost_end" => 2,
        _ when IsFallback(decision) => 3,
        "outside_bounds" => 4,
        _ => 5,
    };
}
