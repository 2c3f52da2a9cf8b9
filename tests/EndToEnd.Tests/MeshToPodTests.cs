using System.Net;
using System.Text.Json.Nodes;
using Resorcerer.DevKit;
using Resorcerer.TestSupport;

namespace Resorcerer.EndToEnd.Tests;

/// <summary>
/// Connections the whole way, each piece a separate process: the profiler learns them from Linkerd- and Istio-shaped
/// series in a real Prometheus, the webhook puts the heaviest on a new pod, and the graph comes out of the profiler's
/// API and its command line.
/// </summary>
public sealed class MeshToPodTests(MeshFixture mesh) : IClassFixture<MeshFixture>
{
    // A new pod of shop/Deployment/web's current ReplicaSet, as the ReplicaSet controller sends it.
    private const string NewWebPod = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"generateName":"web-5b8c7d9f6-","namespace":"shop","labels":{"app":"web","pod-template-hash":"5b8c7d9f6"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-5b8c7d9f6","uid":"7e1f","controller":true}]},
         "spec":{"containers":[{"name":"app","image":"web:3"},{"name":"linkerd-proxy","image":"proxy:2.14"}]}}
        """;

    [Fact]
    public async Task A_new_pod_carries_its_workloads_heaviest_connections_and_the_graph_is_served()
    {
        var profiler = await ProgramRun.RunAsync("resorcerer-profiler",
            ["--once", "--prometheus-url", mesh.Prometheus.Url.ToString(), "--redis", mesh.Redis.Configuration,
             "--namespaces", "shop,store", "--history", "12h", "--min-history", "1h"]);
        Assert.True(profiler.ExitCode == 0, profiler.Stderr + profiler.Stdout);

        // The webhook: the pod gets the connection-profile annotation beside its requests.
        var directory = Directory.CreateTempSubdirectory("resorcerer-e2e-").FullName;
        var (cert, key, certificate) = DevCertificates.Write(directory);
        var port = ServerProcess.FreePort();
        await using (var webhook = BackgroundProgram.Start("resorcerer-webhook",
            ["--redis", mesh.Redis.Configuration, "--tls-cert", cert, "--tls-key", key, "--urls", $"https://127.0.0.1:{port}", "--max-connection-edges", "1"]))
        {
            using var client = AdmissionReviews.Client(certificate, new Uri($"https://127.0.0.1:{port}"));
            await webhook.WaitUntilAsync(() => client.GetAsync("/healthz"));
            var answer = await AdmissionReviews.PostUntilPatchedAsync(client, client.BaseAddress!, AdmissionReviews.For(JsonNode.Parse(NewWebPod)!), Eventually.DefaultDeadline);
            Assert.True(answer.Patch is not null, "no patch: " + answer.Review?.ToJsonString());
            var pod = JsonPatch.Apply(JsonNode.Parse(NewWebPod)!, answer.Patch);

            var connections = JsonNode.Parse(pod["metadata"]!["annotations"]!["resorcerer.io/connection-profile"]!.GetValue<string>())!;
            var heaviest = Assert.Single(connections["out"]!.AsArray())!;
            Assert.Equal("shop/Deployment/api", heaviest["peer"]!.GetValue<string>());
            Assert.InRange(heaviest["rpm"]!.GetValue<double>(), 1100, 1250); // 10 requests and 10 responses a second
            Assert.Equal(0.01, heaviest["errors"]!.GetValue<double>(), 3);
            Assert.Equal(1, connections["omitted"]!["out"]!.GetValue<int>()); // catalog
            Assert.NotNull(pod["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]);
        }

        // The command line: Graphviz and Mermaid for people, JSON for tools.
        var dot = await ProgramRun.RunAsync("resorcerer-profiler", ["graph", "--redis", mesh.Redis.Configuration]);
        Assert.True(dot.ExitCode == 0, dot.Stderr);
        Assert.StartsWith("digraph services {", dot.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"shop/Deployment/web\" -> \"shop/Deployment/api\"", dot.Stdout, StringComparison.Ordinal);
        var mermaid = await ProgramRun.RunAsync("resorcerer-profiler", ["graph", "--redis", mesh.Redis.Configuration, "--format", "mermaid", "--namespace", "store"]);
        Assert.Contains("store/front<br/>Deployment", mermaid.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shop/", mermaid.Stdout, StringComparison.Ordinal);
        var bad = await ProgramRun.RunAsync("resorcerer-profiler", ["graph", "--redis", mesh.Redis.Configuration, "--format", "png"]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--format 'png' is not one of dot, mermaid, json", bad.Stderr, StringComparison.Ordinal);

        // The API, served by a running profiler from what is stored.
        var apiPort = ServerProcess.FreePort();
        await using var running = BackgroundProgram.Start("resorcerer-profiler",
            ["--prometheus-url", mesh.Prometheus.Url.ToString(), "--redis", mesh.Redis.Configuration, "--namespaces", "shop,store",
             "--urls", $"http://127.0.0.1:{apiPort}", "--watcher-urls", ""]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
        await running.WaitUntilAsync(() => http.GetAsync("/healthz"));
        var graph = JsonNode.Parse(await http.GetStringAsync("/api/v1/graph?namespace=store"))!;
        Assert.Equal(
            ["*/Unmeshed/clients -> store/Deployment/front", "store/Deployment/front -> store/Deployment/cart"],
            graph["edges"]!.AsArray().Select(e => $"{e!["source"]} -> {e["target"]}"));
        var cart = graph["edges"]![1]!;
        Assert.Equal(("istio", 0.1), (cart["mesh"]!.GetValue<string>(), Math.Round(cart["errorRatio"]!.GetValue<double>(), 3)));
        Assert.Equal(3, graph["nodes"]!.AsArray().Count);
        using var refused = await http.GetAsync("/api/v1/graph?namespace=Not_A_Namespace");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("resorcerer_profiler_", metrics, StringComparison.Ordinal);
        Assert.Contains("process_working_set_bytes", metrics, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }
}
