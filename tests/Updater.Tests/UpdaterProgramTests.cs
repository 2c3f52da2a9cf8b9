using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;
using static Resorcerer.Updater.Tests.TestPods;

namespace Resorcerer.Updater.Tests;

/// <summary>resorcerer-updater run as users run it: a process with flags, a kubeconfig and exit codes.</summary>
public sealed class UpdaterProgramTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Program = "resorcerer-updater";

    [Fact]
    public async Task Help_explains_the_modes_the_rules_and_the_exit_codes()
    {
        var result = await ProgramRun.RunAsync(Program, ["--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var expected in new[] { "InPlaceOrRecreate", "--max-updates-per-minute", "--memory-threshold-percent", "--dry-run", "pods/resize", "Exit codes" })
        {
            Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(new[] { "--once" }, "--redis is required")]
    [InlineData(new[] { "--redis", "r:6379", "--min-replicas", "0" }, "--min-replicas 0 must be at least 1")]
    [InlineData(new[] { "--redis", "r:6379", "--memory-threshold-percent", "75" }, "--memory-threshold-percent 75 needs --prometheus-url")]
    [InlineData(new[] { "--redis", "r:6379", "--namespaces", "Shop" }, "--namespaces: 'Shop' is not a valid namespace name")]
    [InlineData(new[] { "--redis", "r:6379", "--leader-elect", "--once" }, "--leader-elect and --once do not go together")]
    [InlineData(new[] { "--redis", "r:6379", "--interval", "soon" }, "--interval")]
    public async Task Bad_settings_exit_2_naming_the_flag(string[] args, string expected)
    {
        var result = await ProgramRun.RunAsync(Program, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_resizes_waits_for_the_kubelet_and_prints_what_happened()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var directory = Directory.CreateTempSubdirectory("updater-once-").FullName;
        var kubeconfig = api.WriteKubeconfig(directory);
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration))
        {
            var store = new RedisProfileStore(connection, Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisProfileStore>.Instance);
            await store.PutAsync(Profile(new WorkloadRef("once", "Deployment", "web"), new WorkloadPolicy { Mode = UpdateMode.InPlace }, DateTimeOffset.UtcNow, ("app", 400, 256 * Mi)), CancellationToken.None);
        }

        api.Pods.Add(OfDeployment("once", "web", "p0001", new TestContainer("app", "100m", "256Mi")));
        api.Pods.Add(OfDeployment("other", "web", "p0002", new TestContainer("app", "100m", "256Mi")));

        var dryRun = await ProgramRun.RunAsync(Program, ["--once", "--dry-run", "--redis", redis.Redis.Configuration], new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig });
        Assert.True(dryRun.ExitCode == 0, dryRun.Stderr + dryRun.Stdout);
        Assert.Contains("once/web-5f7b8c9d4-p0001  resize  outside_bounds  dry_run", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Empty(api.Pods.Resizes);

        var result = await ProgramRun.RunAsync(Program, ["--once", "--redis", redis.Redis.Configuration], new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig });
        Directory.Delete(directory, recursive: true);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("1 running pod(s) of profiled workloads; 1 acted on or reported.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("once/web-5f7b8c9d4-p0001  resize  outside_bounds  done    applied", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("cpu request 100m -> 400m", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("400m", api.Pods.Get("once", "web-5f7b8c9d4-p0001")!.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.Equal("100m", api.Pods.Get("other", "web-5f7b8c9d4-p0002")!.Spec.Containers[0].Resources.Requests["cpu"].ToString());
    }

    [Fact]
    public async Task Running_continuously_it_is_ready_after_a_pass_and_counts_what_it_did()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var directory = Directory.CreateTempSubdirectory("updater-loop-").FullName;
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration))
        {
            var store = new RedisProfileStore(connection, Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisProfileStore>.Instance);
            await store.PutAsync(Profile(new WorkloadRef("loop", "Deployment", "web"), new WorkloadPolicy { Mode = UpdateMode.InPlace }, DateTimeOffset.UtcNow, ("app", 400, 256 * Mi)), CancellationToken.None);
        }

        api.Pods.Add(OfDeployment("loop", "web", "p0001", new TestContainer("app", "100m", "256Mi")));
        var port = ServerProcess.FreePort();
        await using var updater = BackgroundProgram.Start(Program, ["--redis", redis.Redis.Configuration, "--interval", "5s", "--urls", $"http://127.0.0.1:{port}"],
            new Dictionary<string, string> { ["KUBECONFIG"] = api.WriteKubeconfig(directory) });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        await updater.WaitUntilAsync(() => http.GetAsync("/readyz"));
        await Eventually.HoldsAsync(async () => (await http.GetStringAsync("/metrics")).Contains("resorcerer_updater_actions_total{action=\"resize\",result=\"done\"} 1", StringComparison.Ordinal),
            "the resize to be counted");
        Directory.Delete(directory, recursive: true);

        Assert.Equal("400m", api.Pods.Get("loop", "web-5f7b8c9d4-p0001")!.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.Contains("Resized loop/web-5f7b8c9d4-p0001 in place (outside_bounds)", updater.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_exits_1_when_Redis_cannot_be_reached()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var directory = Directory.CreateTempSubdirectory("updater-once-").FullName;
        api.Pods.Add(OfDeployment("once", "web", "p0001", new TestContainer("app", "100m", "256Mi")));

        var result = await ProgramRun.RunAsync(Program, ["--once", "--redis", $"127.0.0.1:{ServerProcess.FreePort()},connectTimeout=500"],
            new Dictionary<string, string> { ["KUBECONFIG"] = api.WriteKubeconfig(directory) });
        Directory.Delete(directory, recursive: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Redis cannot be used", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_exits_1_when_the_Kubernetes_API_cannot_be_used()
    {
        var directory = Directory.CreateTempSubdirectory("updater-once-").FullName;
        var kubeconfig = Path.Combine(directory, "config");
        await File.WriteAllTextAsync(kubeconfig, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: gone, cluster: {server: "http://127.0.0.1:{{{ServerProcess.FreePort()}}}"}}]
            users: [{name: gone, user: {token: x}}]
            contexts: [{name: gone, context: {cluster: gone, user: gone}}]
            current-context: gone
            """);

        var result = await ProgramRun.RunAsync(Program, ["--once", "--once-timeout", "1s", "--redis", redis.Redis.Configuration],
            new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig });
        Directory.Delete(directory, recursive: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the Kubernetes API cannot be reached", result.Stderr, StringComparison.Ordinal);
    }
}
