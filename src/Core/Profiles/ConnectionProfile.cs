using Resorcerer.Workloads;

namespace Resorcerer.Profiles;

/// <summary>
/// A workload's traffic with its peers over a window, from Linkerd or Istio metrics: the edges it sends on
/// (<see cref="Outbound"/>) and receives on (<see cref="Inbound"/>), heaviest first.
/// </summary>
public sealed record ConnectionProfile(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ConnectionEdge> Outbound, IReadOnlyList<ConnectionEdge> Inbound)
{
    public bool IsEmpty => Outbound.Count == 0 && Inbound.Count == 0;
}

/// <summary>
/// Traffic between a workload and one peer. Bandwidth is counted two ways: requests plus responses per minute,
/// with its average and 95th percentile over the window's steps (silent steps count as zero), and bytes per
/// second both ways. <see cref="ErrorRatio"/> is the share of
/// failed responses (Linkerd's failure classification, Istio's 5xx), null when the mesh gives none (plain TCP).
/// </summary>
public sealed record ConnectionEdge(
    WorkloadRef Peer,
    string Mesh,
    double RequestsPerMinute,
    double RequestsPerMinuteP95,
    double BytesPerSecond,
    double BytesPerSecondP95,
    double? ErrorRatio)
{
    /// <summary>The peer of traffic from clients without a mesh proxy.</summary>
    public static WorkloadRef UnmeshedClients { get; } = new("*", WorkloadKinds.Unmeshed, "clients");

    public const string Linkerd = "linkerd", Istio = "istio";

    /// <summary>Heaviest first: by requests, then by bytes, then by peer for a stable order.</summary>
    public static IComparer<ConnectionEdge> Heaviest { get; } = Comparer<ConnectionEdge>.Create((a, b) =>
    {
        var byRequests = b.RequestsPerMinute.CompareTo(a.RequestsPerMinute);
        var byBytes = b.BytesPerSecond.CompareTo(a.BytesPerSecond);
        return byRequests != 0 ? byRequests : byBytes != 0 ? byBytes : string.CompareOrdinal(a.Peer.ToString(), b.Peer.ToString());
    });
}
