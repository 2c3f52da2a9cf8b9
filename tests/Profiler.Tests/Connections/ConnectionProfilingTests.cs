using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Tests.Profiling;
using Resorcerer.Profiles;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Connections;

/// <summary>
/// Connections learned from a real Prometheus holding Linkerd- and Istio-shaped series (<see cref="MeshCluster"/>).
/// The expected values are computed here from the traffic the series describe; the profiler reads 5-minute rates
/// at every minute of the last hour (61 steps), so a change of rate shows as a 5-minute ramp.
/// </summary>
public sealed class ConnectionProfilingTests(MeshFixture mesh) : IClassFixture<MeshFixture>
{
    private static readonly WorkloadRef Web = new("shop", "Deployment", "web");
    private static readonly WorkloadRef Api = new("shop", "Deployment", "api");
    private static readonly WorkloadRef Catalog = new("shop", "Deployment", "catalog");
    private static readonly WorkloadRef Db = new("shop", "StatefulSet", "db");
    private static readonly WorkloadRef Gateway = new("payments", "Deployment", "gateway");
    private static readonly WorkloadRef Front = new("store", "Deployment", "front");
    private static readonly WorkloadRef Cart = new("store", "Deployment", "cart");

    private async Task<IReadOnlyDictionary<WorkloadRef, WorkloadProfile>> ProfileAsync()
    {
        await using var harness = new ProfilerHarness(mesh.Prometheus, mesh.Redis, "shop,store", o => o.MinHistory = Configuration.Duration.FromHours(1));
        await harness.FlushRedisAsync();
        // The cycle ends exactly where the series do: the window is [e - 1h, e].
        var clock = new MovableTime(DateTimeOffset.FromUnixTimeSeconds(MeshCluster.End(mesh.End)).Add(harness.Options.Value.Lag.Value));
        var report = await harness.NewCycle(clock: clock).RunAsync(CancellationToken.None);
        return report.Written.ToDictionary(p => p.Workload);
    }

    private static ConnectionEdge Edge(IReadOnlyList<ConnectionEdge> edges, WorkloadRef peer) =>
        Assert.Single(edges, e => e.Peer == peer);

    private static void Near(double expected, double actual, double tolerance = 0.01) =>
        Assert.True(Math.Abs(actual - expected) <= Math.Abs(expected) * tolerance, $"expected {expected} within {tolerance:P0}, got {actual}");

    [Fact]
    public async Task Linkerd_edges_carry_the_rates_the_series_imply()
    {
        var profiles = await ProfileAsync();

        var web = profiles[Web].Connections!;
        Assert.Equal([Api, Catalog], web.Outbound.Select(e => e.Peer)); // heaviest first
        var toApi = Edge(web.Outbound, Api);
        Assert.Equal("linkerd", toApi.Mesh);
        // 10 requests and 10 responses a second, through the rollout: 1,200 a minute; 1,000 bytes per request.
        Near(1200, toApi.RequestsPerMinute);
        // At the four steps where old and new pods' rates overlap, Prometheus extrapolates the ending series by half a
        // scrape (7.5 s of 300 s): those steps read 2.5% high, and the 95th percentile is one of them.
        Assert.InRange(toApi.RequestsPerMinuteP95, 1200, 1200 * 1.03);
        Near(10_000, toApi.BytesPerSecond);
        Assert.Equal(0.01, toApi.ErrorRatio!.Value, 3);

        // 4 requests/s before the rollout (31 steps), 8 after: the four steps after it ramp up, then 26 steps at 8/s.
        var toCatalog = Edge(web.Outbound, Catalog);
        var perMinute = (31 * 480 + (576 + 672 + 768 + 864) + 26 * 960) / 61.0;
        Near(perMinute, toCatalog.RequestsPerMinute);
        Near(960, toCatalog.RequestsPerMinuteP95);
        Assert.Equal(0, toCatalog.BytesPerSecond);
        Assert.Equal(0, toCatalog.ErrorRatio);

        var api = profiles[Api].Connections!;
        var toDb = Edge(api.Outbound, Db);
        Assert.Equal((0.0, 5000.0, (double?)null), (toDb.RequestsPerMinute, Math.Round(toDb.BytesPerSecond), toDb.ErrorRatio)); // plain TCP
        Near(120, Edge(api.Outbound, Gateway).RequestsPerMinute); // a peer outside the profiled namespaces keeps its name
        Assert.Equal(toApi, Edge(api.Inbound, Web) with { Peer = Api });
        var unmeshed = Edge(api.Inbound, ConnectionEdge.UnmeshedClients);
        Near(360, unmeshed.RequestsPerMinute); // 3 requests/s from clients without a proxy, each answered
        Assert.Null(unmeshed.ErrorRatio); // the receiving proxy does not classify them here
        Assert.Equal([Web], profiles[Catalog].Connections!.Inbound.Select(e => e.Peer));
        Assert.Equal([Api], profiles[Db].Connections!.Inbound.Select(e => e.Peer));
        Assert.DoesNotContain(Gateway, profiles.Keys);
    }

    [Fact]
    public async Task Istio_edges_name_workloads_by_the_kind_the_profiler_knows()
    {
        var profiles = await ProfileAsync();

        var toCart = Edge(profiles[Front].Connections!.Outbound, Cart);
        Assert.Equal("istio", toCart.Mesh);
        Near(720, toCart.RequestsPerMinute); // 6 requests and 6 responses a second
        Near(720, toCart.RequestsPerMinuteP95);
        Near(3000, toCart.BytesPerSecond); // 500 bytes per request
        Assert.Equal(0.1, toCart.ErrorRatio!.Value, 3); // the 503s
        Near(240, Edge(profiles[Front].Connections!.Inbound, ConnectionEdge.UnmeshedClients).RequestsPerMinute);
        Assert.Equal([Front], profiles[Cart].Connections!.Inbound.Select(e => e.Peer));
    }

    [Fact]
    public async Task When_the_mesh_cannot_be_read_the_last_connections_stay()
    {
        await using var harness = new ProfilerHarness(mesh.Prometheus, mesh.Redis, "shop,store", o => o.MinHistory = Configuration.Duration.FromHours(1));
        await harness.FlushRedisAsync();
        var end = DateTimeOffset.FromUnixTimeSeconds(MeshCluster.End(mesh.End));
        var clock = new MovableTime(end.AddMinutes(-10).Add(harness.Options.Value.Lag.Value));
        var source = new FailingAfterFirstRead(harness.Mesh);
        var cycle = harness.NewCycle(clock: clock, mesh: source);
        var first = (await cycle.RunAsync(CancellationToken.None)).Written.Single(p => p.Workload == Web).Connections!;

        clock.Now = clock.Now.AddMinutes(10); // ten minutes of new usage; the mesh read fails
        var second = (await cycle.RunAsync(CancellationToken.None)).Written.Single(p => p.Workload == Web);

        Assert.Equal(2, source.Reads);
        Assert.Same(first, second.Connections);
        Assert.Equal(end.AddMinutes(-10), first.To);
    }

    /// <summary>Answers the first read from the real server, then fails as an unreachable Prometheus does.</summary>
    private sealed class FailingAfterFirstRead(IConnectionSource inner) : IConnectionSource
    {
        public int Reads { get; private set; }

        public Task<IReadOnlyList<TrafficSeries>> ReadTrafficAsync(IReadOnlyList<string> namespaces, Resorcerer.Profiler.Model.TimeWindow window, TimeSpan resolution, CancellationToken cancellationToken) =>
            ++Reads == 1
                ? inner.ReadTrafficAsync(namespaces, window, resolution, cancellationToken)
                : throw new Resorcerer.PrometheusApi.PrometheusException("cannot reach Prometheus at http://127.0.0.1:9/: Connection refused");
    }

    [Fact]
    public async Task The_graph_holds_each_edge_once_and_renders_for_people()
    {
        var profiles = await ProfileAsync();

        var graph = ServiceGraph.From(profiles.Values);
        Assert.Equal(
            [
                "*/Unmeshed/clients -> shop/Deployment/api",
                "*/Unmeshed/clients -> store/Deployment/front",
                "shop/Deployment/api -> payments/Deployment/gateway",
                "shop/Deployment/api -> shop/StatefulSet/db",
                "shop/Deployment/web -> shop/Deployment/api",
                "shop/Deployment/web -> shop/Deployment/catalog",
                "store/Deployment/front -> store/Deployment/cart",
            ],
            graph.Edges.Select(e => $"{e.Source} -> {e.Target}"));
        Assert.False(graph.Nodes.Single(n => n.Id == Gateway.ToString()).Profiled);
        Assert.True(graph.Nodes.Single(n => n.Id == Web.ToString()).Profiled);

        var store = ServiceGraph.From(profiles.Values, "store");
        Assert.Equal(2, store.Edges.Count);
        Assert.All(store.Nodes, n => Assert.True(n.Namespace is "store" or "*", n.Id));

        var dot = graph.ToDot();
        Assert.Matches("\"shop/Deployment/web\" -> \"shop/Deployment/api\" \\[label=\"1[12]\\d\\d rpm, 10 kB/s, 1% errors\"\\];", dot);
        Assert.Contains("\"store/Deployment/front\" -> \"store/Deployment/cart\" [label=\"720 rpm, 3 kB/s, 10% errors\"];", dot, StringComparison.Ordinal);
        Assert.Contains("\"*/Unmeshed/clients\" [label=\"unmeshed clients\", style=\"rounded,dashed\"];", dot, StringComparison.Ordinal);
        var mermaid = graph.ToMermaid();
        Assert.StartsWith("flowchart LR\n", mermaid, StringComparison.Ordinal);
        Assert.Contains("[\"unmeshed clients\"]", mermaid, StringComparison.Ordinal);
    }
}
