using System.Globalization;
using System.Text.Json;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Sizing;

namespace Resorcerer.Updating.Planning;

/// <summary>
/// Decides what to do with one running pod of a profiled workload. Pure: the pod, the profile (with its policy),
/// the containers' working sets and the time come in; a decision comes out. The new resources come from
/// <see cref="PodPatchBuilder"/>, the same code that sizes pods at creation, under the rules of a running pod (its
/// QoS class may not change at all).
/// <list type="number">
/// <item>A resize that did not take falls back: <c>Infeasible</c>, <c>Deferred</c> for more than 5 minutes, or in
/// progress for more than an hour: evicted in <c>InPlaceOrRecreate</c>, reported in <c>InPlace</c>.</item>
/// <item>A start-up boost ends once the pod has been Ready for its duration (in any mode but <c>Off</c>).</item>
/// <item>In modes that act on running pods: the memory guard, then an OOM kill (memory up at once), then the
/// profile: a request outside the profile's bounds, or, in a pod older than 12 h, more than 10% from its target.</item>
/// </list>
/// </summary>
public static class UpdatePlanner
{
    public static UpdateDecision Decide(RunningPod pod, WorkloadProfile profile, IReadOnlyDictionary<string, double>? workingSets, UpdateSettings settings, DateTimeOffset now)
    {
        var policy = profile.Policy ?? WorkloadPolicy.Default;
        if (pod.Skipped)
        {
            return UpdateDecision.Nothing("skip_label");
        }

        if (!pod.Running)
        {
            return UpdateDecision.Nothing("not_running");
        }

        if (policy.Mode == UpdateMode.Off)
        {
            return UpdateDecision.Nothing("mode_off");
        }

        if (Unfinished(pod, policy, settings, now) is { } unfinished)
        {
            return unfinished;
        }

        if (pod.Annotations.TryGetValue(ResorcererKeys.CpuBoostTargetAnnotation, out var boostTarget))
        {
            return BoostEnd(pod, profile, policy, boostTarget, now);
        }

        if (!policy.ActsOnRunningPods)
        {
            return UpdateDecision.Nothing("mode_initial");
        }

        if (Guarded(pod, policy.MemoryGuard ?? settings.DefaultMemoryGuard, workingSets) is { Count: > 0 } guarded)
        {
            var targets = guarded.ToDictionary(g => g.Container, g => g.Target);
            var decision = Act(pod, profile, policy, new SizingRequest { Running = true, UseProfile = false, MemoryTargets = targets }, workingSets, settings, now,
                "memory_guard", $"memory guard: {string.Join(", ", guarded.Select(g => g.Why))}");
            return decision with { Pressure = [.. guarded.Select(g => (g.Container, workingSets![g.Container]))] };
        }

        if (OomKilled(pod, profile, settings) is { Count: > 0 } killed)
        {
            return Act(pod, profile, policy, new SizingRequest { Running = true, UseProfile = false, MemoryTargets = killed }, workingSets, settings, now,
                "oom_killed", $"OOM-killed: {string.Join(", ", killed.Keys)}; memory goes up at once");
        }

        if (now - profile.UpdatedAt > settings.MaxProfileAge)
        {
            return UpdateDecision.Nothing("profile_stale");
        }

        var (reason, why) = Drift(pod, profile, settings, now);
        return reason is null
            ? UpdateDecision.Nothing("within_profile")
            : Act(pod, profile, policy, new SizingRequest { Running = true }, workingSets, settings, now, reason, why!);
    }

    /// <summary>The decision for a pod whose last resize has not taken, or null when there is none.</summary>
    private static UpdateDecision? Unfinished(RunningPod pod, WorkloadPolicy policy, UpdateSettings settings, DateTimeOffset now)
    {
        var since = pod.ResizeSince ?? now;
        var reason = pod.Resize switch
        {
            ResizeState.Infeasible => "resize_infeasible",
            ResizeState.Failed => "resize_failed",
            ResizeState.Deferred when now - since > settings.DeferredTimeout => "resize_deferred",
            ResizeState.InProgress when now - since > settings.InProgressTimeout => "resize_stuck",
            ResizeState.None => null,
            _ => "resize_pending",
        };
        if (reason is null)
        {
            return null;
        }

        if (reason == "resize_pending")
        {
            return UpdateDecision.Nothing(reason);
        }

        var what = $"the kubelet did not apply the resize ({pod.Resize}{(pod.ResizeMessage is { Length: > 0 } message ? $": {message}" : string.Empty)}, since {since:u})";
        return policy.Mode == UpdateMode.InPlaceOrRecreate
            ? Evict(pod, settings, reason, what)
            : new UpdateDecision(UpdateAction.Report, reason, what + "; left as it is in mode " + policy.Mode);
    }

    /// <summary>The end of a start-up boost: CPU down to what the webhook recorded, once the pod has been Ready long enough.</summary>
    private static UpdateDecision BoostEnd(RunningPod pod, WorkloadProfile profile, WorkloadPolicy policy, string targetJson, DateTimeOffset now)
    {
        var duration = policy.CpuStartupBoost?.Duration ?? TimeSpan.Zero;
        if (pod.ReadySince is not { } ready || now - ready < duration)
        {
            return UpdateDecision.Nothing("startup_boost");
        }

        Dictionary<string, long> recorded;
        try
        {
            recorded = (JsonSerializer.Deserialize<Dictionary<string, string>>(targetJson) ?? [])
                .Where(t => Quantity.TryParseMillicores(t.Value, out _))
                .ToDictionary(t => t.Key, t => Quantity.TryParseMillicores(t.Value, out var millicores) ? millicores : 0);
        }
        catch (JsonException)
        {
            recorded = [];
        }

        // Down to the profile's target as it is now; to the one recorded at admission for a container it no longer has.
        var targets = recorded.ToDictionary(t => t.Key, t => profile.Containers.GetValueOrDefault(t.Key)?.Cpu?.Target ?? t.Value);
        var patch = PodPatchBuilder.Build(pod.Resources, profile, policy, new SizingRequest { Running = true, UseProfile = false, CpuTargets = targets });
        var annotations = new Dictionary<string, string?> { [ResorcererKeys.CpuBoostTargetAnnotation] = null };
        if (!patch.ChangesResources)
        {
            // Nothing to take back: the boost is over all the same.
            return new UpdateDecision(UpdateAction.Resize, "startup_boost_end", "start-up boost over; nothing to resize") { Annotations = annotations };
        }

        if (patch.Held is { } held)
        {
            return new UpdateDecision(UpdateAction.Report, held, $"the start-up boost cannot be taken back: {patch.HeldWhy}");
        }

        if (pod.Actual is null)
        {
            return new UpdateDecision(UpdateAction.Report, "resize_unsupported",
                "the start-up boost cannot be taken back in place: the kubelet reports no container resources (Kubernetes 1.33 or newer resizes in place); the pod keeps its boosted CPU until it is recreated");
        }

        return Resize(patch, "startup_boost_end", $"start-up boost over after {Configuration.Duration.Round(now - ready)} Ready", annotations, now);
    }

    /// <summary>Containers whose working set reached the guard's share of their limit (of their request without one), with their new memory.</summary>
    private static List<(string Container, long Target, string Why)> Guarded(RunningPod pod, MemoryGuard? guard, IReadOnlyDictionary<string, double>? workingSets)
    {
        var guarded = new List<(string, long, string)>();
        if (guard is null || workingSets is null)
        {
            return guarded;
        }

        foreach (var container in pod.Resources.Patchable)
        {
            var ceiling = container.Limits.MemoryBytes ?? container.Requests.MemoryBytes;
            if (ceiling is > 0 && workingSets.TryGetValue(container.Name, out var used) && used >= ceiling.Value * guard.ThresholdPercent / 100.0
                && container.EffectiveRequests.MemoryBytes is { } request)
            {
                var target = Quantity.RoundUpToMebibytes((long)Math.Ceiling(request * guard.Multiplier));
                guarded.Add((container.Name, target,
                    $"{container.Name} uses {Quantity.FormatBytes(Quantity.RoundUpToMebibytes((long)used))} of {Quantity.FormatBytes(ceiling.Value)} (threshold {guard.ThresholdPercent}%)"));
            }
        }

        return guarded;
    }

    /// <summary>Containers OOM-killed since the updater last changed the pod (or since it was made), with their new memory.</summary>
    private static Dictionary<string, long> OomKilled(RunningPod pod, WorkloadProfile profile, UpdateSettings settings)
    {
        var since = pod.LastUpdated ?? pod.Created;
        var killed = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var container in pod.Resources.Patchable)
        {
            if (pod.OomKilled.TryGetValue(container.Name, out var at) && at > since && container.EffectiveRequests.MemoryBytes is { } request)
            {
                var bumped = (long)Math.Max(request + settings.OomMinBumpBytes, request * settings.OomBumpRatio);
                var target = Math.Max(bumped, profile.Containers.GetValueOrDefault(container.Name)?.Memory?.Target ?? 0);
                killed[container.Name] = Quantity.RoundUpToMebibytes(target);
            }
        }

        return killed;
    }

    /// <summary>Why the pod should move to its profile, or nulls: a request outside the bounds, or, past the minimum age, too far from the target.</summary>
    private static (string? Reason, string? Why) Drift(RunningPod pod, WorkloadProfile profile, UpdateSettings settings, DateTimeOffset now)
    {
        var old = now - pod.Created >= settings.MinAge;
        string? drift = null;
        foreach (var container in pod.Resources.Patchable)
        {
            if (profile.Containers.GetValueOrDefault(container.Name) is not { } wanted)
            {
                continue;
            }

            foreach (var (resource, current, recommended, format) in new (string, long?, ResourceProfile?, Func<long, string>)[]
            {
                ("cpu", container.EffectiveRequests.CpuMillicores, wanted.Cpu, Quantity.FormatMillicores),
                ("memory", container.EffectiveRequests.MemoryBytes, wanted.Memory, Quantity.FormatBytes),
            })
            {
                if (recommended is null)
                {
                    continue;
                }

                if (current is not { } request || request < recommended.LowerBound || request > recommended.UpperBound)
                {
                    return ("outside_bounds", $"{container.Name} {resource} request {(current is { } c ? format(c) : "unset")} is outside [{format(recommended.LowerBound)}, {format(recommended.UpperBound)}]");
                }

                if (old && request > 0 && Math.Abs(recommended.Target - request) / (double)request > settings.MinChange)
                {
                    drift ??= $"{container.Name} {resource} request {format(request)} is more than {settings.MinChange:P0} from its target {format(recommended.Target)} in a pod older than {Configuration.Duration.Round(settings.MinAge)}";
                }
            }
        }

        return drift is null ? (null, null) : ("drift", drift);
    }

    /// <summary>Sizes the pod for <paramref name="request"/> and picks the action its mode allows.</summary>
    private static UpdateDecision Act(RunningPod pod, WorkloadProfile profile, WorkloadPolicy policy, SizingRequest request,
        IReadOnlyDictionary<string, double>? workingSets, UpdateSettings settings, DateTimeOffset now, string reason, string why)
    {
        var patch = PodPatchBuilder.Build(pod.Resources, profile, policy, request);
        if (patch.ChangesResources && UnsafeMemoryLimits(pod, patch, workingSets, settings) is { Count: > 0 } unsafeLimits)
        {
            // Keep memory where lowering the limit could kill the container: only CPU (and safe memory) changes.
            var keep = new Dictionary<string, long>(request.MemoryTargets ?? new Dictionary<string, long>(), StringComparer.Ordinal);
            foreach (var container in unsafeLimits)
            {
                keep[container] = pod.Resources.Patchable.First(c => c.Name == container).EffectiveRequests.MemoryBytes ?? 0;
            }

            patch = PodPatchBuilder.Build(pod.Resources, profile, policy, request with { MemoryTargets = keep });
            why += $"; memory of {string.Join(", ", unsafeLimits)} kept (its limit would fall below {settings.MemoryLimitMargin:0.##}x what it uses)";
        }

        if (patch.Held is { } held)
        {
            return new UpdateDecision(UpdateAction.Report, held, $"{why}, but {patch.HeldWhy}; left as it is");
        }

        if (!patch.ChangesResources)
        {
            return UpdateDecision.Nothing("nothing_to_change");
        }

        if (policy.Mode == UpdateMode.Recreate)
        {
            return Evict(pod, settings, reason, why);
        }

        if (pod.Actual is null)
        {
            const string Unsupported = "the kubelet reports no container resources, so the pod cannot be resized in place (Kubernetes 1.33 or newer resizes in place)";
            return policy.Mode == UpdateMode.InPlaceOrRecreate
                ? Evict(pod, settings, reason, $"{why}; {Unsupported}")
                : new UpdateDecision(UpdateAction.Report, "resize_unsupported", $"{why}; {Unsupported}");
        }

        return Resize(patch, reason, why, new Dictionary<string, string?>(), now);
    }

    private static UpdateDecision Resize(PodPatch patch, string reason, string why, Dictionary<string, string?> annotations, DateTimeOffset now)
    {
        var changes = string.Join(", ", patch.Changes.GroupBy(c => c.Container).Select(g => $"{g.Key}: {string.Join(", ", g)}"));
        annotations[ResorcererKeys.UpdatedAnnotation] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        annotations[ResorcererKeys.UpdatesAnnotation] = $"resized in place ({reason}): {changes}";
        return new UpdateDecision(UpdateAction.Resize, reason, $"{why}: {changes}")
        {
            Operations = patch.ResourceOperations,
            Changes = patch.Changes,
            Annotations = annotations,
        };
    }

    /// <summary>Eviction, where the pod may be evicted; otherwise a report saying why not.</summary>
    private static UpdateDecision Evict(RunningPod pod, UpdateSettings settings, string reason, string why) => pod.Controller switch
    {
        ControllerKind.Job => new UpdateDecision(UpdateAction.Report, "not_evictable", $"{why}; a Job's pod is never evicted"),
        ControllerKind.None => new UpdateDecision(UpdateAction.Report, "not_evictable", $"{why}; nothing would recreate a pod without a controller"),
        _ when pod.ReadyReplicas < settings.MinReplicas => new UpdateDecision(UpdateAction.Report, "too_few_replicas",
            $"{why}; not evicted: {pod.ReadyReplicas} Ready pod(s) of its workload, fewer than --min-replicas {settings.MinReplicas}"),
        _ => new UpdateDecision(UpdateAction.Evict, reason, why),
    };

    /// <summary>Containers whose memory limit the patch would lower below what they use (with the margin); all of them when the use is unknown.</summary>
    private static List<string> UnsafeMemoryLimits(RunningPod pod, PodPatch patch, IReadOnlyDictionary<string, double>? workingSets, UpdateSettings settings)
    {
        var lowered = patch.Changes.Where(c => c.Resource == "memory" && c.Kind == "limit"
            && Quantity.TryParseBytes(c.From, out var from) && Quantity.TryParseBytes(c.To, out var to) && to < from);
        return [.. lowered.Where(c => workingSets?.TryGetValue(c.Container, out var used) != true
                || (Quantity.TryParseBytes(c.To, out var to) && to < used * settings.MemoryLimitMargin))
            .Select(c => c.Container).Distinct()];
    }
}
