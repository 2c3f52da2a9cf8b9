using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiles;
using Resorcerer.Usage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Connections;

public class ConnectionGraphTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeWindow Hour = new(Start, Start.AddHours(1)); // 61 steps of a minute
    private static readonly WorkloadRef Web = new("shop", "Deployment", "web");
    private static readonly WorkloadRef Search = new("search", "Workload", "index");

    private static List<Sample> Rate(double perSecond, int fromMinute, int toMinute) =>
        Enumerable.Range(fromMinute, toMinute - fromMinute + 1).Select(m => new Sample(Start.AddMinutes(m).ToUnixTimeSeconds(), perSecond)).ToList();

    private static IReadOnlyDictionary<WorkloadRef, ConnectionProfile> Build(params TrafficSeries[] series) =>
        ConnectionGraph.Build(series, Hour, TimeSpan.FromMinutes(1), w => w.Namespace == "shop", (ns, name) => ns == "search" && name == "index" ? "StatefulSet" : null);

    [Fact]
    public void Silent_steps_count_as_zero_in_the_average_and_the_percentile()
    {
        // 10 requests/s (and their responses) during 6 of the 61 steps: busy less than 5% of the time.
        var profiles = Build(
            new TrafficSeries("linkerd", TrafficKind.Requests, Web, Search, Rate(10, 0, 5)),
            new TrafficSeries("linkerd", TrafficKind.Responses, Web, Search, Rate(10, 0, 5)));

        var edge = Assert.Single(profiles[Web].Outbound);
        Assert.Equal(Math.Round(6 * 1200 / 61.0, 3), edge.RequestsPerMinute);
        Assert.Equal(1200, edge.RequestsPerMinuteP95); // the 58th of the 61 sorted steps is one of the six busy ones
        Assert.Equal(0, edge.ErrorRatio);
    }

    [Fact]
    public void A_peer_outside_the_profiled_namespaces_is_named_with_the_kind_known_for_it_and_gets_no_profile()
    {
        var profiles = Build(new TrafficSeries("istio", TrafficKind.Bytes, Web, Search, Rate(2048, 0, 60)));

        Assert.Equal([Web], profiles.Keys);
        var edge = Assert.Single(profiles[Web].Outbound);
        Assert.Equal((new WorkloadRef("search", "StatefulSet", "index"), 2048.0, 0.0, (double?)null),
            (edge.Peer, edge.BytesPerSecond, edge.RequestsPerMinute, edge.ErrorRatio));
    }

    [Fact]
    public void Samples_outside_the_window_and_series_without_traffic_are_ignored()
    {
        var late = new[] { new Sample(Start.AddHours(2).ToUnixTimeSeconds(), 99) };
        var profiles = Build(
            new TrafficSeries("linkerd", TrafficKind.Requests, Web, Search, late),
            new TrafficSeries("linkerd", TrafficKind.Requests, Search, Web, Rate(0, 0, 60)));

        Assert.Empty(profiles);
    }
}
