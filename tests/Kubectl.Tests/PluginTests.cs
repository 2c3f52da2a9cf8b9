using k8s.Models;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Kubectl.Tests;

/// <summary>kubectl-resorcerer run as kubectl runs a plugin: a process, with a kubeconfig, against a fake API server.</summary>
public sealed class PluginTests(RedisFixture redis) : PluginTestBase, IClassFixture<RedisFixture>
{
    private static V1Pod Pod(string ns, string name, params V1Container[] containers) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["pod-template-hash"] = "5f7b8c9d4" },
            OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web-5f7b8c9d4", Uid = "rs-1", Controller = true }],
        },
        Spec = new V1PodSpec { Containers = [.. containers.Where(c => c.RestartPolicy is null)], InitContainers = containers.Any(c => c.RestartPolicy is not null) ? [.. containers.Where(c => c.RestartPolicy is not null)] : null },
    };

    private static V1Container Container(string name, string? cpuRequest, string? memoryRequest, string? cpuLimit = null, string? memoryLimit = null, string? restartPolicy = null)
    {
        Dictionary<string, ResourceQuantity> List(string? cpu, string? memory) => new[] { ("cpu", cpu), ("memory", memory) }
            .Where(x => x.Item2 is not null).ToDictionary(x => x.Item1, x => new ResourceQuantity(x.Item2));
        return new V1Container
        {
            Name = name, Image = name + ":1", RestartPolicy = restartPolicy,
            Resources = new V1ResourceRequirements { Requests = List(cpuRequest, memoryRequest), Limits = cpuLimit is null && memoryLimit is null ? null : List(cpuLimit, memoryLimit) },
        };
    }

    [Fact]
    public async Task Resize_sets_a_running_containers_CPU_in_place_and_follows_it_until_applied()
    {
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-a1b2c", Container("app", "100m", "256Mi", "200m", "512Mi")));

        var result = await RunAsync("resize", "web-5f7b8c9d4-a1b2c", "-n", "shop", "--cpu", "150m");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("pod shop/web-5f7b8c9d4-a1b2c resize accepted: app: cpu request 100m -> 150m", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("applied: the container runs with the new resources", result.Stdout, StringComparison.Ordinal);
        var pod = Api.Pods.Get("shop", "web-5f7b8c9d4-a1b2c")!;
        Assert.Equal(("150m", "200m"), (pod.Spec.Containers[0].Resources.Requests["cpu"].ToString(), pod.Spec.Containers[0].Resources.Limits["cpu"].ToString()));
        Assert.Equal("150m", pod.Status.ContainerStatuses[0].Resources.Requests["cpu"].ToString());
        Assert.Equal("application/json-patch+json", Assert.Single(Api.Pods.Resizes).ContentType.Split(';')[0]);
        var recorded = Assert.Single(Api.Pods.Events);
        Assert.Equal(("Resized", "kubectl-resorcerer"), (recorded.Reason, recorded.Source.Component));
    }

    [Fact]
    public async Task Resize_with_limits_keeps_a_Guaranteed_pod_Guaranteed_and_reaches_a_native_sidecar()
    {
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-gtd01", Container("app", "1", "1Gi", "1", "1Gi"), Container("proxy", "100m", "64Mi", "100m", "64Mi", restartPolicy: "Always")));

        var result = await RunAsync("resize", "web-5f7b8c9d4-gtd01", "-n", "shop", "-c", "proxy", "--cpu", "250m", "--memory", "128Mi", "--limits");

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        var proxy = Api.Pods.Get("shop", "web-5f7b8c9d4-gtd01")!.Spec.InitContainers[0].Resources;
        Assert.Equal(("250m", "250m", "128Mi", "128Mi"), (proxy.Requests["cpu"].ToString(), proxy.Limits["cpu"].ToString(), proxy.Requests["memory"].ToString(), proxy.Limits["memory"].ToString()));
        Assert.Equal("Guaranteed", Api.Pods.Get("shop", "web-5f7b8c9d4-gtd01")!.Status.QosClass);
    }

    [Theory]
    [InlineData(new[] { "--cpu", "200m" }, 1, "would change its QoS class from Burstable to Guaranteed")]
    [InlineData(new[] { "--cpu", "300m" }, 1, "a cpu request of 300m would be above the limit of 200m: add --limits")]
    [InlineData(new[] { "--ephemeral-storage", "1Gi" }, 2, "Kubernetes resizes only cpu and memory in place; ephemeral-storage cannot change")]
    [InlineData(new[] { "--cpu", "lots" }, 2, "--cpu 'lots' is not a CPU quantity")]
    [InlineData(new[] { "-c", "init" }, 2, "give --cpu, --memory or both")]
    [InlineData(new[] { "-c", "init", "--cpu", "1" }, 1, "'init' is an init container")]
    [InlineData(new[] { "-c", "nope", "--cpu", "1" }, 1, "it has no container 'nope' (it has app, init)")]
    public async Task Resize_refuses_before_sending_what_Kubernetes_would_refuse(string[] flags, int exitCode, string expected)
    {
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-bst01", Container("init", "100m", "64Mi", "100m", "64Mi"), Container("app", "100m", "256Mi", "200m", "256Mi")));
        Api.Pods.Update("shop", "web-5f7b8c9d4-bst01", pod =>
        {
            // Make "init" a real init container: move it from containers to initContainers.
            var spec = pod["spec"]!.AsObject();
            var init = spec["containers"]![0]!.DeepClone();
            spec["containers"]!.AsArray().RemoveAt(0);
            spec["initContainers"] = new System.Text.Json.Nodes.JsonArray(init);
        });

        var result = await RunAsync(["resize", "web-5f7b8c9d4-bst01", "-n", "shop", .. flags]);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
        Assert.Empty(Api.Pods.Resizes);
    }

    [Theory]
    [InlineData(KubeletAnswer.Deferred, 3, "deferred by the kubelet (Node didn't have enough resource")]
    [InlineData(KubeletAnswer.Infeasible, 1, "infeasible: the kubelet will not apply it")]
    public async Task Resize_says_how_the_kubelet_answered(KubeletAnswer answer, int exitCode, string expected)
    {
        Api.Pods.Kubelet = answer;
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-big01", Container("app", "100m", "256Mi")));

        var result = await RunAsync("resize", "web-5f7b8c9d4-big01", "-n", "shop", "--memory", "64Gi");

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains(expected, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_context_flag_picks_the_cluster_and_its_namespace()
    {
        Api.Pods.Add(Pod("team-a", "web-5f7b8c9d4-ctx01", Container("app", "100m", "256Mi")));
        var config = Path.Combine(WorkDirectory, "two-contexts");
        await File.WriteAllTextAsync(config, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "{{{Api.Url}}}"}}, {name: gone, cluster: {server: "http://127.0.0.1:9"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: elsewhere, context: {cluster: gone, user: u}}, {name: team-a, context: {cluster: fake, user: u, namespace: team-a}}]
            current-context: elsewhere
            """);

        var result = await ProgramRun.RunAsync(Plugin, ["resize", "web-5f7b8c9d4-ctx01", "--cpu", "200m", "--kubeconfig", config, "--context", "team-a"]);
        var wrong = await ProgramRun.RunAsync(Plugin, ["resize", "web-5f7b8c9d4-ctx01", "--cpu", "200m", "--kubeconfig", config, "--context", "nope"]);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Equal("200m", Api.Pods.Get("team-a", "web-5f7b8c9d4-ctx01")!.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("--context nope: the kubeconfig has no such context (it has elsewhere, team-a)", wrong.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_applies_the_profile_to_the_running_pods_one_at_a_time()
    {
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration))
        {
            var seen = new UsageSummary(1, 1, 1, 1, 1, 10_000, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow);
            await new RedisProfileStore(connection, Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisProfileStore>.Instance).PutAsync(new WorkloadProfile
            {
                Workload = new WorkloadRef("shop", "Deployment", "web"),
                UpdatedAt = DateTimeOffset.UtcNow,
                Strategy = "resorcerer",
                Containers = new Dictionary<string, ContainerProfile>
                {
                    ["app"] = new(new ResourceProfile(400, 320, 600, seen), new ResourceProfile(300L << 20, 240L << 20, 450L << 20, seen)),
                },
            }, CancellationToken.None);
        }

        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-upd01", Container("app", "100m", "256Mi")));
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-upd02", Container("app", "400m", "300Mi")));
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-upd03", Container("app", "100m", "256Mi")));

        var dryRun = await RunAsync("update", "deployment/web", "-n", "shop", "--dry-run", "--redis", redis.Redis.Configuration);
        Assert.True(dryRun.ExitCode == 0, dryRun.Stderr + dryRun.Stdout);
        Assert.Contains("pod shop/web-5f7b8c9d4-upd01: would resize (outside_bounds)", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Empty(Api.Pods.Resizes);

        var result = await RunAsync("update", "deployment/web", "-n", "shop", "--redis", redis.Redis.Configuration);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("mode Initial: its running pods are resized in place now, none is evicted", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("pod shop/web-5f7b8c9d4-upd02: within its profile; nothing to do", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(["shop/web-5f7b8c9d4-upd01", "shop/web-5f7b8c9d4-upd03"], Api.Pods.Resizes.Select(r => r.Pod));
        Assert.Equal("400m", Api.Pods.Get("shop", "web-5f7b8c9d4-upd03")!.Status.ContainerStatuses[0].Resources.Requests["cpu"].ToString());
        Assert.Equal(2, result.Stdout.Split('\n').Count(l => l.Contains("applied", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Update_without_a_profile_says_where_it_looked()
    {
        Api.Pods.Add(Pod("shop", "web-5f7b8c9d4-none1", Container("app", "100m", "256Mi")));

        var result = await RunAsync("update", "statefulset/ledger", "-n", "shop", "--redis", redis.Redis.Configuration);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("there is no profile for shop/StatefulSet/ledger in Redis", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_and_unknown_commands()
    {
        var help = await ProgramRun.RunAsync(Plugin, ["resize", "--help"]);
        var unknown = await ProgramRun.RunAsync(Plugin, ["grow", "web"]);

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("kubectl resorcerer resize POD", help.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown command 'grow'", unknown.Stderr, StringComparison.Ordinal);
    }
}
