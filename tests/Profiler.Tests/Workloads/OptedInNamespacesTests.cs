using System.Net;
using k8s.Models;
using Resorcerer.Hosting;
using Resorcerer.Profiler.Workloads;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests.Workloads;

public sealed class OptedInNamespacesTests : IAsyncLifetime
{
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Lists_the_namespaces_labelled_enabled()
    {
        _api.Serve("/api/v1/namespaces", new V1NamespaceList
        {
            ApiVersion = "v1",
            Kind = "NamespaceList",
            Items =
            [
                new V1Namespace { Metadata = new V1ObjectMeta { Name = "shop", Labels = new Dictionary<string, string> { ["resorcerer.io/enabled"] = "true" } } },
                new V1Namespace { Metadata = new V1ObjectMeta { Name = "bank", Labels = new Dictionary<string, string> { ["resorcerer.io/enabled"] = "true" } } },
            ],
            Metadata = new V1ListMeta { ResourceVersion = "42" },
        });

        var namespaces = await new OptedInNamespaces(_api.Client).GetNamespacesAsync(CancellationToken.None);

        Assert.Equal(["bank", "shop"], namespaces);
        var request = Assert.Single(_api.Requests);
        Assert.Contains("labelSelector=resorcerer.io%2Fenabled%3Dtrue", request, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_error_says_what_failed()
    {
        _api.Fail("/api/v1/namespaces", HttpStatusCode.Forbidden);

        var error = await Assert.ThrowsAsync<KubernetesAccessException>(
            () => new OptedInNamespaces(_api.Client).GetNamespacesAsync(CancellationToken.None));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
        Assert.Contains("resorcerer.io/enabled=true", error.Message, StringComparison.Ordinal);
    }
}
