using System.Text.Json.Nodes;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.TestSupport;
using StackExchange.Redis;

namespace Resorcerer.EndToEnd.Tests;

/// <summary>
/// The path users run, with every piece a separate process: the profiler reads a real Prometheus and writes a
/// real Redis; the webhook, serving HTTPS, patches a new pod from what the profiler wrote.
/// </summary>
public sealed class ProfileToPodTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const long Mi = TestCluster.Mi;

    // What the ReplicaSet controller sends for a new pod of shop/Deployment/web: no name, no annotations, no resources.
    private const string NewWebPod = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"generateName":"web-6c8d9f7b5-","namespace":"shop","labels":{"app":"web","pod-template-hash":"6c8d9f7b5"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-6c8d9f7b5","uid":"9d0c","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"containers":[{"name":"web","image":"web:2"},{"name":"proxy","image":"envoy:1.31"}]}}
        """;

    [Fact]
    public async Task A_profiled_deployments_new_pod_comes_out_with_the_recommended_requests()
    {
        var profiler = await ProgramRun.RunAsync("resorcerer-profiler",
            ["--once", "--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration,
             "--namespaces", "shop", "--history", "12h"]);
        Assert.True(profiler.ExitCode == 0, profiler.Stderr + profiler.Stdout);

        var directory = Directory.CreateTempSubdirectory("resorcerer-e2e-").FullName;
        var (cert, key, certificate) = DevCertificates.Write(directory);
        var port = ServerProcess.FreePort();
        await using var webhook = BackgroundProgram.Start("resorcerer-webhook",
            ["--redis", cluster.Redis.Configuration, "--tls-cert", cert, "--tls-key", key, "--urls", $"https://127.0.0.1:{port}"]);
        using var client = AdmissionReviews.Client(certificate, new Uri($"https://127.0.0.1:{port}"));
        await webhook.WaitUntilAsync(() => client.GetAsync("/healthz"));

        var review = AdmissionReviews.For(JsonNode.Parse(NewWebPod)!, uid: "e2e-1");
        var answer = await AdmissionReviews.PostUntilPatchedAsync(client, client.BaseAddress!, review, Eventually.DefaultDeadline);
        Assert.Equal("e2e-1", answer.Response!["uid"]!.GetValue<string>());
        Assert.True(answer.Response["allowed"]!.GetValue<bool>());
        Assert.True(answer.Patch is not null, "no patch: " + answer.Review?.ToJsonString());

        var pod = JsonPatch.Apply(JsonNode.Parse(NewWebPod)!, answer.Patch);

        // The pod carries exactly what the profiler stored.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Redis.Configuration);
        var stored = ProfileJson.Deserialize((await redis.GetDatabase().StringGetAsync("resorcerer:v2:{shop}:profile:Deployment/web")).ToString());
        var web = pod["spec"]!["containers"]![0]!["resources"]!["requests"]!;
        var proxy = pod["spec"]!["containers"]![1]!["resources"]!["requests"]!;
        Assert.Equal(Quantity.FormatMillicores(stored.Containers["web"].Cpu!.Target), web["cpu"]!.GetValue<string>());
        Assert.Equal(Quantity.FormatBytes(stored.Containers["web"].Memory!.Target), web["memory"]!.GetValue<string>());
        Assert.Equal(Quantity.FormatMillicores(stored.Containers["proxy"].Cpu!.Target), proxy["cpu"]!.GetValue<string>());
        Assert.Equal(Quantity.FormatBytes(stored.Containers["proxy"].Memory!.Target), proxy["memory"]!.GetValue<string>());

        // And what it stored fits TestCluster's usage: web now runs at 400m and 150 Mi, the proxy at 50m and 20 Mi.
        Assert.Equal("resorcerer", stored.Strategy);
        Assert.InRange(stored.Containers["web"].Cpu!.Target, 460, 510); // with the 15% margin
        Assert.InRange(stored.Containers["web"].Memory!.Target, 165 * Mi, 230 * Mi);
        Assert.InRange(stored.Containers["proxy"].Cpu!.Target, 57, 70); // 5%-wide histogram buckets read 50m as 55.3m; x 1.15
        Assert.Equal(32 * Mi, stored.Containers["proxy"].Memory!.Target); // 20 Mi x 1.15 is under the 32 Mi floor

        var annotations = pod["metadata"]!["annotations"]!;
        Assert.Equal("shop/Deployment/web", annotations["resorcerer.io/profile"]!.GetValue<string>());
        Assert.Equal(
            $$"""{"web":"{{web["cpu"]}}","proxy":"{{proxy["cpu"]}}"}""",
            annotations["resorcerer.io/cpu-profile"]!.GetValue<string>());
        var updated = DateTimeOffset.Parse(annotations["resorcerer.io/profile-updated"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(stored.UpdatedAt, updated);
        Directory.Delete(directory, recursive: true);
    }
}
