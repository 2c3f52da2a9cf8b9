using Resorcerer.Profiles;
using Resorcerer.Sizing;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;

namespace Resorcerer.Updating.Tests.Planning;

/// <summary>The update rules on their own: a running pod, a profile, working sets and a time in; a decision out.</summary>
public class UpdatePlannerTests
{
    private const long Mi = 1024 * 1024;
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly UpdateSettings Rules = new();

    private static WorkloadProfile Profile(UpdateMode mode, long cpu = 400, long memory = 256 * Mi, MemoryGuard? guard = null) => new()
    {
        Workload = new WorkloadRef("shop", "Deployment", "web"),
        UpdatedAt = Now.AddMinutes(-5),
        Strategy = "resorcerer",
        Policy = new WorkloadPolicy { Mode = mode, MemoryGuard = guard },
        Containers = new Dictionary<string, ContainerProfile>
        {
            ["app"] = new(
                new ResourceProfile(cpu, cpu * 8 / 10, cpu * 3 / 2, new UsageSummary(1, 1, 1, 1, 1, 1000, Now.AddDays(-3), Now)),
                new ResourceProfile(memory, memory * 8 / 10, memory * 3 / 2, new UsageSummary(1, 1, 1, 1, 1, 1000, Now.AddDays(-3), Now))),
        },
    };

    private static RunningPod Pod(long? cpu, long? memory, long? cpuLimit = null, long? memoryLimit = null, TimeSpan? age = null, int ready = 3)
    {
        var requests = new ResourceAmounts(cpu, memory);
        var limits = new ResourceAmounts(cpuLimit, memoryLimit);
        var container = new ContainerResources("/spec/containers/0", "app", ContainerRole.Container, true, cpu is not null || memory is not null, cpuLimit is not null || memoryLimit is not null, requests, limits);
        return new RunningPod
        {
            Namespace = "shop",
            Name = "web-5f7b8c9d4-a1b2c",
            Uid = "uid-1",
            Workload = new WorkloadRef("shop", "Deployment", "web"),
            Created = Now - (age ?? TimeSpan.FromHours(1)),
            ReadySince = Now - (age ?? TimeSpan.FromHours(1)),
            Resources = new PodResources(true, [container]),
            Actual = new Dictionary<string, (ResourceAmounts, ResourceAmounts)> { ["app"] = (requests, limits) },
            ReadyReplicas = ready,
            Generation = 1,
        };
    }

    [Theory]
    [InlineData(UpdateMode.Off, "mode_off")]
    [InlineData(UpdateMode.Initial, "mode_initial")]
    public void Modes_that_leave_running_pods_alone(UpdateMode mode, string reason)
    {
        var decision = UpdatePlanner.Decide(Pod(100, 256 * Mi), Profile(mode), null, Rules, Now);

        Assert.Equal((UpdateAction.None, reason), (decision.Action, decision.Reason));
    }

    [Theory]
    [InlineData(UpdateMode.InPlace, UpdateAction.Resize)]
    [InlineData(UpdateMode.InPlaceOrRecreate, UpdateAction.Resize)]
    [InlineData(UpdateMode.Recreate, UpdateAction.Evict)]
    public void A_request_outside_the_bounds_is_acted_on_as_the_mode_says(UpdateMode mode, UpdateAction action)
    {
        var decision = UpdatePlanner.Decide(Pod(100, 256 * Mi), Profile(mode), null, Rules, Now);

        Assert.Equal((action, "outside_bounds"), (decision.Action, decision.Reason));
        Assert.Contains("app cpu request 100m is outside [320m, 600m]", decision.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11, 460, "drift")]            // old, 13% of its request off target: moved
    [InlineData(11, 420, "within_profile")]   // old, within 10%: left
    [InlineData(1, 340, "within_profile")]    // young, 15% off but within bounds: left
    [InlineData(13, 340, "drift")]            // old, 15% off: moved
    public void Drift_counts_only_past_the_minimum_age_and_change(int ageHours, long cpu, string reason)
    {
        var decision = UpdatePlanner.Decide(Pod(cpu, 256 * Mi, age: TimeSpan.FromHours(ageHours)), Profile(UpdateMode.InPlace), null,
            Rules with { MinAge = TimeSpan.FromHours(10) }, Now);

        Assert.Equal(reason, decision.Reason);
    }

    [Fact]
    public void A_resize_operations_touch_only_resources_and_the_updater_annotates_separately()
    {
        var decision = UpdatePlanner.Decide(Pod(100, 256 * Mi, 200, 512 * Mi), Profile(UpdateMode.InPlace), null, Rules, Now);

        Assert.All(decision.Operations, o => Assert.StartsWith("/spec/containers/0/resources/", o.Path, StringComparison.Ordinal));
        Assert.Equal("2026-12-01T12:00:00Z", decision.Annotations[ResorcererKeys.UpdatedAnnotation]);
        Assert.StartsWith("resized in place (outside_bounds): app: cpu request 100m -> 400m", decision.Annotations[ResorcererKeys.UpdatesAnnotation], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ResizeState.Infeasible, 0, UpdateMode.InPlaceOrRecreate, UpdateAction.Evict, "resize_infeasible")]
    [InlineData(ResizeState.Infeasible, 0, UpdateMode.InPlace, UpdateAction.Report, "resize_infeasible")]
    [InlineData(ResizeState.Deferred, 4, UpdateMode.InPlaceOrRecreate, UpdateAction.None, "resize_pending")]
    [InlineData(ResizeState.Deferred, 6, UpdateMode.InPlaceOrRecreate, UpdateAction.Evict, "resize_deferred")]
    [InlineData(ResizeState.InProgress, 59, UpdateMode.InPlaceOrRecreate, UpdateAction.None, "resize_pending")]
    [InlineData(ResizeState.InProgress, 61, UpdateMode.InPlace, UpdateAction.Report, "resize_stuck")]
    [InlineData(ResizeState.Failed, 0, UpdateMode.InPlaceOrRecreate, UpdateAction.Evict, "resize_failed")]
    [InlineData(ResizeState.Requested, 0, UpdateMode.InPlaceOrRecreate, UpdateAction.None, "resize_pending")]
    public void A_resize_that_did_not_take_falls_back_by_the_mode(ResizeState state, int minutes, UpdateMode mode, UpdateAction action, string reason)
    {
        var pod = Pod(100, 256 * Mi) with { Resize = state, ResizeSince = Now.AddMinutes(-minutes), ResizeMessage = "Node didn't have enough capacity" };

        var decision = UpdatePlanner.Decide(pod, Profile(mode), null, Rules, Now);

        Assert.Equal((action, reason), (decision.Action, decision.Reason));
    }

    [Theory]
    [InlineData(1, ControllerKind.Replicated, "too_few_replicas")]
    [InlineData(3, ControllerKind.Job, "not_evictable")]
    [InlineData(3, ControllerKind.None, "not_evictable")]
    public void Eviction_needs_enough_ready_replicas_and_a_controller_that_recreates(int ready, ControllerKind controller, string reason)
    {
        var decision = UpdatePlanner.Decide(Pod(100, 256 * Mi, ready: ready) with { Controller = controller }, Profile(UpdateMode.Recreate), null, Rules, Now);

        Assert.Equal((UpdateAction.Report, reason), (decision.Action, decision.Reason));
    }

    [Fact]
    public void An_OOM_kill_since_the_last_change_raises_memory_by_the_VPAs_bump()
    {
        var pod = Pod(400, 256 * Mi, null, 512 * Mi) with { OomKilled = new Dictionary<string, DateTimeOffset> { ["app"] = Now.AddMinutes(-1) } };

        var decision = UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlace), null, Rules, Now);
        var answered = UpdatePlanner.Decide(pod with { Annotations = decision.Annotations.ToDictionary(a => a.Key, a => a.Value!) }, Profile(UpdateMode.InPlace), null, Rules, Now.AddMinutes(1));

        Assert.Equal("oom_killed", decision.Reason);
        Assert.Contains(decision.Changes, c => c.ToString() == "memory request 256Mi -> 356Mi");
        Assert.Contains(decision.Changes, c => c.ToString() == "memory limit 512Mi -> 712Mi");
        Assert.NotEqual("oom_killed", answered.Reason);
    }

    [Theory]
    [InlineData(383.0, null)]                 // 74.8% of 512 Mi: below the threshold
    [InlineData(384.0, "memory_guard")]       // 75%
    public void The_memory_guard_fires_at_its_threshold_of_the_limit(double workingSetMi, string? reason)
    {
        var pod = Pod(400, 256 * Mi, null, 512 * Mi);
        var sets = new Dictionary<string, double> { ["app"] = workingSetMi * Mi };

        var decision = UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlace, guard: new MemoryGuard(75, 2)), sets, Rules, Now);

        if (reason is null)
        {
            Assert.NotEqual("memory_guard", decision.Reason);
        }
        else
        {
            Assert.Equal(reason, decision.Reason);
            Assert.Contains(decision.Changes, c => c.ToString() == "memory request 256Mi -> 512Mi");
            Assert.Equal([("app", workingSetMi * Mi)], decision.Pressure);
        }
    }

    [Fact]
    public void A_memory_limit_is_never_lowered_below_the_working_set_with_its_margin()
    {
        var pod = Pod(400, 512 * Mi, null, 1024 * Mi);

        var busy = UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlace), new Dictionary<string, double> { ["app"] = 450.0 * Mi }, Rules, Now);
        var idle = UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlace), new Dictionary<string, double> { ["app"] = 100.0 * Mi }, Rules, Now);
        var unknown = UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlace), null, Rules, Now);

        // The new limit would be 512 Mi: below 450 Mi x 1.2, so the busy container keeps its memory.
        Assert.DoesNotContain(busy.Changes, c => c.Resource == "memory");
        Assert.Contains(idle.Changes, c => c.ToString() == "memory limit 1Gi -> 512Mi");
        Assert.DoesNotContain(unknown.Changes, c => c.Resource == "memory");
    }

    [Fact]
    public void A_pod_without_reported_resources_is_evicted_or_reported_never_resized()
    {
        var pod = Pod(100, 256 * Mi) with { Actual = null };

        Assert.Equal(UpdateAction.Evict, UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlaceOrRecreate), null, Rules, Now).Action);
        Assert.Equal((UpdateAction.Report, "resize_unsupported"), (UpdatePlanner.Decide(pod, Profile(UpdateMode.InPlace), null, Rules, Now) is var d ? (d.Action, d.Reason) : default));
    }
}
