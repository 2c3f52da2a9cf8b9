using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Resorcerer.TestSupport;
using static Resorcerer.Updater.Tests.TestPods;

namespace Resorcerer.Updater.Tests;

/// <summary>
/// The fake API server's own rules, through KubernetesClient as any client would use them, so that what the
/// updater's tests rely on is what kube-apiserver does: every patch type on the resize subresource, its
/// refusals, generations, the simulated kubelet, evictions under a disruption budget, and watches.
/// </summary>
public sealed class FakeApiServerTests : IAsyncLifetime
{
    private FakeKubernetesApi _api = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        _client = _api.Client();
        _api.Pods.Add(OfDeployment("shop", "web", "a1b2c", new TestContainer("app", "100m", "256Mi", "200m", "512Mi")));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
    }

    private const string Pod = "web-5f7b8c9d4-a1b2c";

    [Theory]
    [InlineData(V1Patch.PatchType.JsonPatch, """[{"op":"replace","path":"/spec/containers/0/resources/requests/cpu","value":"150m"}]""")]
    [InlineData(V1Patch.PatchType.MergePatch, """{"spec":{"containers":[{"name":"app","image":"app:1","resources":{"requests":{"cpu":"150m","memory":"256Mi"},"limits":{"cpu":"200m","memory":"512Mi"}}}]}}""")]
    [InlineData(V1Patch.PatchType.StrategicMergePatch, """{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"150m"}}}]}}""")]
    public async Task Every_patch_type_resizes_bumps_the_generation_and_the_kubelet_applies_it(V1Patch.PatchType type, string body)
    {
        var answered = await _client.CoreV1.PatchNamespacedPodResizeAsync(new V1Patch(body, type), Pod, "shop");

        Assert.Equal(2, answered.Metadata.Generation);
        Assert.Equal("150m", answered.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        var now = await _client.CoreV1.ReadNamespacedPodAsync(Pod, "shop");
        Assert.Equal(2, now.Status.ObservedGeneration);
        Assert.Equal("150m", now.Status.ContainerStatuses[0].Resources.Requests["cpu"].ToString());
    }

    [Theory]
    [InlineData("""[{"op":"replace","path":"/spec/containers/0/resources/limits/cpu","value":"100m"},{"op":"replace","path":"/spec/containers/0/resources/limits/memory","value":"256Mi"}]""", "Pod QOS Class may not change")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/0/image","value":"app:2"}]""", "only cpu and memory resources are mutable")]
    [InlineData("""[{"op":"add","path":"/spec/containers/0/resources/requests/ephemeral-storage","value":"1Gi"}]""", "requests[ephemeral-storage]: Forbidden")]
    [InlineData("""[{"op":"replace","path":"/spec/containers/9/resources/requests/cpu","value":"1"}]""", "the patch could not be applied")]
    public async Task The_resize_subresource_refuses_what_kube_apiserver_refuses(string patch, string message)
    {
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CoreV1.PatchNamespacedPodResizeAsync(new V1Patch(patch, V1Patch.PatchType.JsonPatch), Pod, "shop"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
        Assert.Contains(message, refused.Response.Content, StringComparison.Ordinal);
        Assert.Equal(1, (await _client.CoreV1.ReadNamespacedPodAsync(Pod, "shop")).Metadata.Generation);
    }

    [Fact]
    public async Task A_plain_patch_of_the_pod_takes_its_metadata_and_refuses_a_resources_change()
    {
        await _client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"metadata":{"annotations":{"a":"b"}}}""", V1Patch.PatchType.MergePatch), Pod, "shop");
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("""[{"op":"replace","path":"/spec/containers/0/resources/requests/cpu","value":"1"}]""", V1Patch.PatchType.JsonPatch), Pod, "shop"));

        Assert.Equal("b", (await _client.CoreV1.ReadNamespacedPodAsync(Pod, "shop")).Metadata.Annotations["a"]);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.Response.StatusCode);
    }

    [Fact]
    public async Task An_eviction_under_a_budget_that_allows_none_is_429_and_leaves_the_pod()
    {
        _api.Pods.AddDisruptionBudget("shop", new Dictionary<string, string> { ["app"] = "web" }, disruptionsAllowed: 1);
        _api.Pods.Add(OfDeployment("shop", "web", "d4e5f", new TestContainer("app", "100m", "256Mi")));
        V1Eviction Eviction(string name) => new() { ApiVersion = "policy/v1", Kind = "Eviction", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop" } };

        await _client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction(Pod), Pod, "shop");
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.CreateNamespacedPodEvictionAsync(Eviction("web-5f7b8c9d4-d4e5f"), "web-5f7b8c9d4-d4e5f", "shop"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Response.StatusCode);
        Assert.Contains("disruption budget", refused.Response.Content, StringComparison.Ordinal);
        Assert.Equal(["web-5f7b8c9d4-d4e5f"], _api.Pods.All().Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task A_watch_from_a_list_sees_each_change_once_in_order()
    {
        var list = await _client.CoreV1.ListPodForAllNamespacesAsync();
        using var stop = new CancellationTokenSource();
        var seen = new List<(WatchEventType, string)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, pod) in _client.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: list.Metadata.ResourceVersion, cancellationToken: stop.Token))
            {
                lock (seen)
                {
                    seen.Add((type, pod.Metadata.Name));
                }
            }
        });

        _api.Pods.Add(OfDeployment("shop", "web", "new01", new TestContainer("app", "100m", "256Mi")));
        _api.Pods.Delete("shop", Pod);
        await Eventually.HoldsAsync(() => { lock (seen) { return Task.FromResult(seen.Count >= 2); } }, "two watch events");
        await stop.CancelAsync();
        await watching.ContinueWith(_ => { }, TaskScheduler.Default);

        Assert.Equal([(WatchEventType.Added, "web-5f7b8c9d4-new01"), (WatchEventType.Deleted, Pod)], seen);
    }
}
