using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.EndToEnd.Tests;

/// <summary>
/// A CPU start-up boost from admission to its end, every piece a separate process: the webhook boosts a new pod
/// of a profiled workload and records the target; the pod runs (in a fake API server) and becomes Ready; the
/// updater resizes it down in place once it has been Ready for the boost's duration.
/// </summary>
public sealed class StartupBoostTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const long Mi = 1024 * 1024;

    private const string NewApiPod = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"generateName":"api-6c8d9f7b5-","namespace":"jvm","labels":{"app":"api","pod-template-hash":"6c8d9f7b5"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"api-6c8d9f7b5","uid":"7f1e","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"containers":[{"name":"app","image":"api:3","resources":{"requests":{"cpu":"100m","memory":"256Mi"},"limits":{"cpu":"200m","memory":"512Mi"}}}]}}
        """;

    [Fact]
    public async Task A_boosted_pod_is_resized_down_to_its_target_after_being_Ready_for_the_duration()
    {
        var seen = new UsageSummary(300, 380, 390, 399, 400, 10_000, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow);
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Redis.Configuration))
        {
            await new RedisProfileStore(connection, Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisProfileStore>.Instance).PutAsync(new WorkloadProfile
            {
                Workload = new WorkloadRef("jvm", "Deployment", "api"),
                UpdatedAt = DateTimeOffset.UtcNow,
                Strategy = "resorcerer",
                Policy = new WorkloadPolicy { CpuStartupBoost = new CpuStartupBoost(3, null, TimeSpan.FromSeconds(2)) },
                Containers = new Dictionary<string, ContainerProfile>
                {
                    ["app"] = new(new ResourceProfile(400, 320, 600, seen), new ResourceProfile(256 * Mi, 200 * Mi, 400 * Mi, seen)),
                },
            }, CancellationToken.None);
        }

        var directory = Directory.CreateTempSubdirectory("resorcerer-boost-").FullName;
        var (cert, key, certificate) = DevCertificates.Write(directory);
        var port = ServerProcess.FreePort();
        await using var webhook = BackgroundProgram.Start("resorcerer-webhook",
            ["--redis", redis.Redis.Configuration, "--tls-cert", cert, "--tls-key", key, "--urls", $"https://127.0.0.1:{port}"]);
        using var client = AdmissionReviews.Client(certificate, new Uri($"https://127.0.0.1:{port}"));
        await webhook.WaitUntilAsync(() => client.GetAsync("/healthz"));

        // Admission: 3x the 400m target, the limit in ratio (2x the request), the target recorded.
        var answer = await AdmissionReviews.PostUntilPatchedAsync(client, client.BaseAddress!, AdmissionReviews.For(JsonNode.Parse(NewApiPod)!, uid: "boost-1", ns: "jvm"), Eventually.DefaultDeadline);
        Assert.True(answer.Patch is not null, "no patch: " + answer.Review?.ToJsonString());
        var admitted = JsonPatch.Apply(JsonNode.Parse(NewApiPod)!, answer.Patch);
        var resources = admitted["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal(("1200m", "2400m"), (resources["requests"]!["cpu"]!.GetValue<string>(), resources["limits"]!["cpu"]!.GetValue<string>()));
        Assert.Equal("""{"app":"400m"}""", admitted["metadata"]!["annotations"]![ResorcererKeys.CpuBoostTargetAnnotation]!.GetValue<string>());

        // The pod runs and is Ready.
        await using var api = await FakeKubernetesApi.StartAsync();
        var pod = KubernetesJson.Deserialize<V1Pod>(admitted.ToJsonString());
        pod.Metadata.Name = "api-6c8d9f7b5-x7k2p";
        api.Pods.Add(pod);

        await using var updater = BackgroundProgram.Start("resorcerer-updater",
            ["--redis", redis.Redis.Configuration, "--interval", "5s", "--urls", $"http://127.0.0.1:{ServerProcess.FreePort()}"],
            new Dictionary<string, string> { ["KUBECONFIG"] = api.WriteKubeconfig(directory) });

        await Eventually.HoldsAsync(
            () => Task.FromResult(api.Pods.Get("jvm", "api-6c8d9f7b5-x7k2p")!.Spec.Containers[0].Resources.Requests["cpu"].ToString() == "400m" || updater.HasExited),
            "the updater to take the boost back");
        Assert.False(updater.HasExited, updater.Output);

        var running = api.Pods.Get("jvm", "api-6c8d9f7b5-x7k2p")!;
        Assert.Equal(("400m", "800m"), (running.Spec.Containers[0].Resources.Requests["cpu"].ToString(), running.Spec.Containers[0].Resources.Limits["cpu"].ToString()));
        Assert.Equal("400m", running.Status.ContainerStatuses[0].Resources.Requests["cpu"].ToString());
        Assert.Equal("application/json-patch+json", Assert.Single(api.Pods.Resizes).ContentType.Split(';')[0]);

        // Then it says so, and the boost is over for good.
        await Eventually.HoldsAsync(
            () => Task.FromResult(api.Pods.Events.Any(e => e.Reason == "Resized")
                && !api.Pods.Get("jvm", "api-6c8d9f7b5-x7k2p")!.Metadata.Annotations.ContainsKey(ResorcererKeys.CpuBoostTargetAnnotation)),
            "the Resized Event and the boost annotation's removal");
        Assert.Contains("start-up boost over", api.Pods.Events.Single(e => e.Reason == "Resized").Message, StringComparison.Ordinal);
        Assert.Contains("start-up boost over", updater.Output, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }
}
