using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using static Resorcerer.Updater.Tests.TestPods;

namespace Resorcerer.Updater.Tests.Updating;

/// <summary>A pod given boosted CPU at admission is resized down once it has been Ready for the boost's duration, in any mode but Off.</summary>
public sealed class StartupBoostTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static int _namespaces;

    [Theory]
    [InlineData(UpdateMode.Initial)]
    [InlineData(UpdateMode.InPlace)]
    public async Task The_boost_ends_after_the_pod_has_been_Ready_for_its_duration(UpdateMode mode)
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = "boost-" + Interlocked.Increment(ref _namespaces);
        var policy = new WorkloadPolicy { Mode = mode, CpuStartupBoost = new CpuStartupBoost(2, null, TimeSpan.FromSeconds(90)) };
        await cluster.StoreAsync(Profile(new WorkloadRef(ns, "Deployment", "api"), policy, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));

        // As the webhook admitted it: 2x the 400m target, the limit in ratio, the target recorded.
        var pod = OfDeployment(ns, "api", "jvm01", new TestContainer("app", "800m", "256Mi", "1600m", "512Mi"));
        pod.Metadata.Annotations = new Dictionary<string, string> { [ResorcererKeys.CpuBoostTargetAnnotation] = """{"app":"400m"}""" };
        cluster.Pods.Add(pod);

        var early = await cluster.PassAsync();
        Assert.Equal("startup_boost", Assert.Single(early.Considered).Reason);
        Assert.Empty(cluster.Pods.Resizes);

        cluster.Clock.Advance(TimeSpan.FromSeconds(91));
        var late = await cluster.PassAsync();

        Assert.Equal(("startup_boost_end", "done"), (Assert.Single(late.Considered).Reason, late.Considered[0].Result));
        var resized = cluster.Pods.Get(ns, "api-5f7b8c9d4-jvm01")!;
        var app = resized.Spec.Containers[0].Resources;
        Assert.Equal(("400m", "800m"), (app.Requests["cpu"].ToString(), app.Limits["cpu"].ToString()));
        Assert.Equal(("256Mi", "512Mi"), (app.Requests["memory"].ToString(), app.Limits["memory"].ToString()));
        Assert.False(resized.Metadata.Annotations.ContainsKey(ResorcererKeys.CpuBoostTargetAnnotation));
        Assert.Contains("start-up boost over", Assert.Single(cluster.Pods.Events).Message, StringComparison.Ordinal);

        // Over for good: the annotation is gone, nothing more happens in Initial.
        var after = await cluster.PassAsync();
        Assert.Equal(mode == UpdateMode.Initial ? "mode_initial" : "within_profile", Assert.Single(after.Considered).Reason);
    }

    [Fact]
    public async Task A_pod_that_is_not_Ready_keeps_its_boost()
    {
        await using var cluster = await UpdaterHarness.StartAsync(redis.Redis);
        var ns = "boost-" + Interlocked.Increment(ref _namespaces);
        var policy = new WorkloadPolicy { CpuStartupBoost = new CpuStartupBoost(2, null, TimeSpan.FromSeconds(30)) };
        await cluster.StoreAsync(Profile(new WorkloadRef(ns, "Deployment", "api"), policy, cluster.Clock.GetUtcNow(), ("app", 400, 256 * Mi)));
        var pod = OfDeployment(ns, "api", "slow1", new TestContainer("app", "800m", "256Mi"));
        pod.Metadata.Annotations = new Dictionary<string, string> { [ResorcererKeys.CpuBoostTargetAnnotation] = """{"app":"400m"}""" };
        cluster.Pods.Add(pod);
        cluster.Pods.Update(ns, "api-5f7b8c9d4-slow1", p => p["status"]!["conditions"]![1]!["status"] = "False");
        cluster.Clock.Advance(TimeSpan.FromMinutes(10));

        var report = await cluster.PassAsync();

        Assert.Equal("startup_boost", Assert.Single(report.Considered).Reason);
        Assert.Empty(cluster.Pods.Resizes);
    }
}
