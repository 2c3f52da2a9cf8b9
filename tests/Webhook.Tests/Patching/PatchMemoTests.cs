using Resorcerer.Profiles;
using Resorcerer.Sizing;
using Resorcerer.Webhook.Patching;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Tests.Patching;

public class PatchMemoTests
{
    private static readonly UsageSummary Seen = new(1, 1, 1, 1, 1, 1000, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(3));

    private static WorkloadProfile Profile(long cpu = 250) => new()
    {
        Workload = new WorkloadRef("shop", "Deployment", "web"),
        UpdatedAt = DateTimeOffset.UnixEpoch.AddDays(3),
        Strategy = "percentile",
        Containers = new Dictionary<string, ContainerProfile> { ["web"] = new(new ResourceProfile(cpu, cpu, cpu, Seen), null) },
    };

    // Read afresh each time, as each admission reads its own pod.
    private static PodResources Pod(long? cpuRequest = null) => new(false,
    [
        new ContainerResources("/spec/containers/0", "web", ContainerRole.Container, cpuRequest is not null, cpuRequest is not null, false,
            new ResourceAmounts(cpuRequest, null), default),
    ]);

    [Fact]
    public void Pods_that_read_the_same_share_one_patch_and_its_json()
    {
        var memo = new PatchMemo();
        var profile = Profile();

        var first = memo.Build(Pod(), profile, hold: null);
        var second = memo.Build(Pod(), profile, hold: null);

        Assert.Same(first, second);
        Assert.True(first.Json.Span.SequenceEqual(PatchOperation.ToJson(first.Operations)));
    }

    [Fact]
    public void Another_pod_shape_or_a_profile_read_again_gets_its_own_patch()
    {
        var memo = new PatchMemo();
        var profile = Profile();
        var plain = memo.Build(Pod(), profile, hold: null);

        var sized = memo.Build(Pod(cpuRequest: 100), profile, hold: null);
        var reread = memo.Build(Pod(), Profile(cpu: 300), hold: null);

        Assert.NotSame(plain, sized);
        Assert.Contains(sized.Operations, o => o.Op == "replace" && o.Path == "/spec/containers/0/resources/requests/cpu");
        Assert.Contains(reread.Changes, c => c.To == "300m");
    }

    [Fact]
    public void A_held_profile_is_built_each_time_with_its_reason()
    {
        var memo = new PatchMemo();
        var profile = Profile();

        var first = memo.Build(Pod(), profile, hold: "too old (1h)");
        var second = memo.Build(Pod(), profile, hold: "too old (2h)");

        Assert.False(first.ChangesResources);
        Assert.Contains("2h", second.Annotations[ResorcererKeys.UpdatesAnnotation], StringComparison.Ordinal);
        Assert.Same(memo.Build(Pod(), profile, hold: null), memo.Build(Pod(), profile, hold: null));
    }

    [Fact]
    public void The_memo_stays_small_whatever_pods_come()
    {
        var memo = new PatchMemo();
        var profile = Profile();
        for (var cpu = 1; cpu <= 10 * PatchMemo.PerProfile; cpu++)
        {
            Assert.Contains(memo.Build(Pod(cpuRequest: cpu), profile, hold: null).Changes, c => c.From == $"{cpu}m");
        }

        Assert.True(memo.Count(profile) <= PatchMemo.PerProfile);
    }
}
