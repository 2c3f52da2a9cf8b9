using Resorcerer.Profiler.Model;
using Resorcerer.Usage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Connections;

/// <summary>What a traffic series counts, per second.</summary>
public enum TrafficKind
{
    /// <summary>Requests sent.</summary>
    Requests,

    /// <summary>Responses received, all of them.</summary>
    Responses,

    /// <summary>Responses counted without saying whether they failed (one per request from clients without a proxy).</summary>
    UnclassifiedResponses,

    /// <summary>Responses that failed (Linkerd classification failure, Istio 5xx); part of <see cref="Responses"/>.</summary>
    FailedResponses,

    /// <summary>Bytes, both ways.</summary>
    Bytes,
}

/// <summary>
/// One rate series between two workloads, as a mesh reports it: per-second values at each step of the window.
/// A source of <see cref="Profiles.ConnectionEdge.UnmeshedClients"/> stands for clients without a proxy.
/// </summary>
public sealed record TrafficSeries(string Mesh, TrafficKind Kind, WorkloadRef Source, WorkloadRef Destination, IReadOnlyList<Sample> Samples);

/// <summary>Where the profiler reads service-mesh traffic from (Linkerd and Istio metrics in Prometheus).</summary>
public interface IConnectionSource
{
    /// <summary>
    /// Traffic in the window between workloads of which at least one is in <paramref name="namespaces"/>,
    /// sampled every <paramref name="resolution"/>. Empty when no mesh reports any.
    /// </summary>
    Task<IReadOnlyList<TrafficSeries>> ReadTrafficAsync(IReadOnlyList<string> namespaces, TimeWindow window, TimeSpan resolution, CancellationToken cancellationToken);
}
