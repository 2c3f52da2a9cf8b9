using System.Text.Json.Nodes;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Sizing.Tests;

public class ConnectionAnnotationTests
{
    private static readonly DateTimeOffset End = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static ConnectionEdge Edge(string peer, double rpm, double bps = 0, double? errors = null) =>
        new(WorkloadRef.Parse(peer), ConnectionEdge.Linkerd, rpm, rpm * 1.2, bps, bps * 1.5, errors);

    private static ConnectionProfile Profile(IReadOnlyList<ConnectionEdge> outbound, IReadOnlyList<ConnectionEdge>? inbound = null) =>
        new(End.AddHours(-1), End, outbound, inbound ?? []);

    [Fact]
    public void The_heaviest_edges_are_written_with_a_count_of_the_rest()
    {
        var outbound = Enumerable.Range(1, 7).Select(i => Edge($"shop/Deployment/svc{i}", rpm: i * 100, bps: 10)).ToList();
        var inbound = new[] { Edge("*/Unmeshed/clients", 360), Edge("shop/Deployment/web", 1200, 10_000, 0.0123456) };

        var json = JsonNode.Parse(ConnectionAnnotation.Format(Profile(outbound, inbound), maxEdges: 3)!)!;

        Assert.Equal(["shop/Deployment/svc7", "shop/Deployment/svc6", "shop/Deployment/svc5"],
            json["out"]!.AsArray().Select(e => e!["peer"]!.GetValue<string>()));
        Assert.Equal(["shop/Deployment/web", "*/Unmeshed/clients"], json["in"]!.AsArray().Select(e => e!["peer"]!.GetValue<string>()));
        var web = json["in"]![0]!;
        Assert.Equal((1200, 1440, 10_000, 15_000, 0.0123), (web["rpm"]!.GetValue<double>(), web["rpm_p95"]!.GetValue<double>(),
            web["bps"]!.GetValue<double>(), web["bps_p95"]!.GetValue<double>(), web["errors"]!.GetValue<double>()));
        Assert.Null(json["in"]![1]!["errors"]);
        Assert.Equal((4, 0), (json["omitted"]!["out"]!.GetValue<int>(), json["omitted"]!["in"]!.GetValue<int>()));
    }

    [Fact]
    public void Nothing_is_written_without_connections_or_when_turned_off()
    {
        Assert.Null(ConnectionAnnotation.Format(null, 5));
        Assert.Null(ConnectionAnnotation.Format(Profile([]), 5));
        Assert.Null(ConnectionAnnotation.Format(Profile([Edge("shop/Deployment/api", 10)]), maxEdges: 0));
    }

    [Fact]
    public void Long_peer_names_cost_edges_not_the_size_bound()
    {
        // Workload names can be 253 characters: 50 of them each way would be about 30 KB.
        var outbound = Enumerable.Range(1, 50).Select(i => Edge($"shop/Deployment/{new string('a', 240)}{i:000}", rpm: i)).ToList();

        var text = ConnectionAnnotation.Format(Profile(outbound, outbound), maxEdges: ConnectionAnnotation.MostEdges)!;

        Assert.True(text.Length <= ConnectionAnnotation.MaxBytes, $"{text.Length} characters");
        var json = JsonNode.Parse(text)!;
        var kept = json["out"]!.AsArray().Count;
        Assert.InRange(kept, 1, 49);
        Assert.Equal(50 - kept, json["omitted"]!["out"]!.GetValue<int>());
    }

    [Fact]
    public void A_pod_of_a_profile_with_connections_gets_the_annotation()
    {
        var seen = new UsageSummary(1, 1, 1, 1, 1, 1000, End.AddDays(-3), End);
        var profile = new WorkloadProfile
        {
            Workload = new WorkloadRef("shop", "Deployment", "web"),
            UpdatedAt = End,
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile> { ["web"] = new(new ResourceProfile(250, 200, 300, seen), null) },
            Connections = Profile([Edge("shop/Deployment/api", 1200, 10_000, 0.01)]),
        };
        var pod = new PodResources(false, [new ContainerResources("/spec/containers/0", "web", ContainerRole.Container, false, false, false, default, default)]);

        var patch = PodPatchBuilder.Build(pod, profile, WorkloadPolicy.Default);
        var turnedOff = PodPatchBuilder.Build(pod, profile, WorkloadPolicy.Default, maxConnectionEdges: 0);

        Assert.Equal("""{"out":[{"peer":"shop/Deployment/api","rpm":1200,"rpm_p95":1440,"bps":10000,"bps_p95":15000,"errors":0.01}],"in":[]}""",
            patch.Annotations[ResorcererKeys.ConnectionProfileAnnotation]);
        Assert.False(turnedOff.Annotations.ContainsKey(ResorcererKeys.ConnectionProfileAnnotation));
        Assert.True(patch.ChangesResources);
    }
}
