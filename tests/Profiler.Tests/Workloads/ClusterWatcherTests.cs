using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Workloads;

/// <summary>The watches against a fake API server that lists, streams events, closes streams and fails on demand.</summary>
public sealed class ClusterWatcherTests : IAsyncLifetime, IDisposable
{
    private const string Namespaces = "/api/v1/namespaces";
    private const string Deployments = "/apis/apps/v1/deployments";
    private readonly CancellationTokenSource _stop = new();
    private FakeKubernetesApi _api = null!;
    private ClusterWatcher _watcher = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubernetesApi.StartAsync();
        var shop = Namespace("shop");
        shop.Metadata.Annotations = new Dictionary<string, string> { ["resorcerer.io/exclude-containers"] = "istio-proxy", ["resorcerer.io/mode"] = "Initial" };
        _api.Serve(Namespaces, new V1NamespaceList { Items = [shop], Metadata = new V1ListMeta { ResourceVersion = "10" } });
        _api.Serve("/api/v1/limitranges", new V1LimitRangeList
        {
            Items =
            [
                new V1LimitRange
                {
                    Metadata = new V1ObjectMeta { Name = "defaults", NamespaceProperty = "shop" },
                    Spec = new V1LimitRangeSpec
                    {
                        Limits =
                        [
                            new V1LimitRangeItem
                            {
                                Type = "Container",
                                Min = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                                Max = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2"), ["memory"] = new("4Gi") },
                            },
                            new V1LimitRangeItem { Type = "Pod", Max = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") } },
                        ],
                    },
                },
            ],
        });
        _api.Serve(Deployments, new V1DeploymentList
        {
            Items = [new V1Deployment
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "web",
                    NamespaceProperty = "shop",
                    Annotations = new Dictionary<string, string> { ["resorcerer.io/mode"] = "Off", ["other.io/x"] = "y" },
                },
            }],
            Metadata = new V1ListMeta { ResourceVersion = "11" },
        });
        _api.Serve("/apis/apps/v1/statefulsets", new V1StatefulSetList { Items = [] });
        _api.Serve("/apis/apps/v1/daemonsets", new V1DaemonSetList { Items = [] });
        _api.Serve("/apis/batch/v1/cronjobs", new V1CronJobList { Items = [] });
        _api.Serve("/apis/batch/v1/jobs", new V1JobList { Items = [] });
        foreach (var path in new[] { Namespaces, Deployments, "/api/v1/limitranges", "/apis/apps/v1/statefulsets", "/apis/apps/v1/daemonsets", "/apis/batch/v1/cronjobs", "/apis/batch/v1/jobs" })
        {
            _api.Watch(path);
        }

        _watcher = new ClusterWatcher(_api.Client, TimeProvider.System, NullLogger<ClusterWatcher>.Instance);
        _watcher.Start(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _api.DisposeAsync();
    }

    public void Dispose() => _stop.Dispose();

    private static V1Namespace Namespace(string name) =>
        new() { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["resorcerer.io/enabled"] = "true" } } };

    private async Task<IReadOnlyList<string>> EventuallyAsync(Func<IReadOnlyList<string>, bool> done)
    {
        IReadOnlyList<string> namespaces = [];
        for (var attempt = 0; attempt < 100 && !done(namespaces); attempt++)
        {
            await Task.Delay(50);
            namespaces = await _watcher.GetNamespacesAsync(CancellationToken.None);
        }

        return namespaces;
    }

    [Fact]
    public async Task Opted_in_namespaces_follow_the_watch()
    {
        Assert.Equal(["shop"], await _watcher.GetNamespacesAsync(CancellationToken.None));

        _api.Watch(Namespaces).Send("ADDED", Namespace("bank"));
        Assert.Equal(["bank", "shop"], await EventuallyAsync(n => n.Count == 2));
        Assert.Contains(_api.Requests, r => r.Contains("labelSelector=resorcerer.io%2Fenabled%3Dtrue", StringComparison.Ordinal) && r.Contains("watch=true", StringComparison.Ordinal));

        _api.Watch(Namespaces).Send("DELETED", Namespace("shop"));
        Assert.Equal(["bank"], await EventuallyAsync(n => n.Count == 1));
    }

    [Fact]
    public async Task When_the_api_fails_the_last_known_namespaces_are_kept()
    {
        Assert.Equal(["shop"], await _watcher.GetNamespacesAsync(CancellationToken.None));

        _api.Fail(Namespaces, HttpStatusCode.InternalServerError);
        _api.Watch(Namespaces).Close(); // the watch ends; listing again fails
        int Lists() => _api.Requests.Count(r => r.StartsWith("GET /api/v1/namespaces?", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal));
        for (var attempt = 0; attempt < 200 && Lists() < 2; attempt++)
        {
            await Task.Delay(50);
        }

        Assert.True(Lists() >= 2, string.Join("\n", _api.Requests));
        Assert.Equal(["shop"], await _watcher.GetNamespacesAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Workloads_carry_their_resorcerer_annotations_and_deletions()
    {
        await _watcher.GetNamespacesAsync(CancellationToken.None);
        var web = new WorkloadRef("shop", "Deployment", "web");
        for (var attempt = 0; attempt < 100 && _watcher.Find(web) is null; attempt++)
        {
            await Task.Delay(50);
        }

        Assert.Equal(new Dictionary<string, string> { ["resorcerer.io/mode"] = "Off" }, _watcher.Find(web)!.Annotations);
        Assert.Empty(_watcher.TakeDeleted(DateTimeOffset.UtcNow));

        _api.Watch(Deployments).Send("DELETED", new V1Deployment { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop" } });
        for (var attempt = 0; attempt < 100 && _watcher.Find(web)?.DeletedAt is null; attempt++)
        {
            await Task.Delay(50);
        }

        Assert.Empty(_watcher.TakeDeleted(DateTimeOffset.UtcNow.AddHours(-1))); // still within the grace period
        Assert.Equal([web], _watcher.TakeDeleted(DateTimeOffset.UtcNow));
        Assert.Empty(_watcher.TakeDeleted(DateTimeOffset.UtcNow)); // reported once
    }

    [Fact]
    public async Task The_policy_joins_namespace_and_workload_annotations_with_the_limitrange()
    {
        await _watcher.GetNamespacesAsync(CancellationToken.None);
        var web = new WorkloadRef("shop", "Deployment", "web");
        WorkloadPolicy? policy = null;
        for (var attempt = 0; attempt < 100 && policy?.LimitRange is null; attempt++)
        {
            await Task.Delay(50);
            policy = _watcher.PolicyFor(web);
        }

        Assert.Equal(UpdateMode.Off, policy!.Mode); // the workload's Off beats the namespace's Initial
        Assert.Equal(["istio-proxy"], policy.ExcludeContainers);
        Assert.Equal(new ResourceBounds(10, 2000, 16L << 20, 4L << 30), policy.LimitRange); // the Pod-type limit does not bound a container
        Assert.Null(_watcher.PolicyFor(new WorkloadRef("elsewhere", "Deployment", "x")));
    }
}
