using Resorcerer.Profiler.Model;
using Resorcerer.Profiles;
using Resorcerer.PrometheusApi;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Connections;

/// <summary>
/// Reads Linkerd's and Istio's traffic metrics with a fixed set of eight aggregate range queries (five for
/// Linkerd, three for Istio), whatever the number of workloads. Each query asks for the traffic that leaves or reaches
/// a profiled namespace, summed per pair of workloads.
/// <list type="bullet">
/// <item>Linkerd: the outbound side of the sending proxy (<c>request_total</c>, <c>response_total</c> by
/// <c>classification</c>, <c>tcp_read_bytes_total</c> + <c>tcp_write_bytes_total</c>), which names both workloads by
/// kind (<c>deployment</c>, <c>statefulset</c>, <c>daemonset</c> and their <c>dst_</c> twins); and the inbound side,
/// without TLS identity, for clients with no proxy.</item>
/// <item>Istio: the source reporter (<c>istio_requests_total</c> by <c>response_code</c>, request, response and TCP
/// bytes); the destination reporter with <c>source_workload="unknown"</c> for clients with no sidecar. Istio names
/// workloads without their kind.</item>
/// </list>
/// </summary>
public sealed class PrometheusConnectionSource(PrometheusClient prometheus) : IConnectionSource
{
    /// <summary>The rate window: wide enough for any usual scrape interval.</summary>
    private const string RateWindow = "5m";

    private const string LinkerdSource = "namespace, deployment, statefulset, daemonset";
    private const string LinkerdDestination = "dst_namespace, dst_deployment, dst_statefulset, dst_daemonset";
    private static readonly string[] LinkerdBytes = ["tcp_read_bytes_total", "tcp_write_bytes_total"];
    private static readonly string[] IstioBytes = ["istio_request_bytes_sum", "istio_response_bytes_sum", "istio_tcp_sent_bytes_total", "istio_tcp_received_bytes_total"];
    private const string IstioPair = "source_workload, source_workload_namespace, destination_workload, destination_workload_namespace";

    public async Task<IReadOnlyList<TrafficSeries>> ReadTrafficAsync(
        IReadOnlyList<string> namespaces, TimeWindow window, TimeSpan resolution, CancellationToken cancellationToken)
    {
        var ns = string.Join('|', namespaces);
        var result = new List<TrafficSeries>();

        // Linkerd, meshed pairs: the sender's proxy reports both ends.
        string Outbound(string metric, string by = "") =>
            $"sum by ({LinkerdSource}, {LinkerdDestination}{by}) (rate({metric}{{direction=\"outbound\",namespace=~\"{ns}\"}}[{RateWindow}]))" +
            $" or sum by ({LinkerdSource}, {LinkerdDestination}{by}) (rate({metric}{{direction=\"outbound\",dst_namespace=~\"{ns}\"}}[{RateWindow}]))";
        foreach (var s in await RangeAsync(Outbound("request_total")))
        {
            Add(ConnectionEdge.Linkerd, TrafficKind.Requests, LinkerdWorkload(s, string.Empty), LinkerdWorkload(s, "dst_"), s);
        }

        foreach (var s in await RangeAsync(Outbound("response_total", ", classification")))
        {
            var (source, destination) = (LinkerdWorkload(s, string.Empty), LinkerdWorkload(s, "dst_"));
            Add(ConnectionEdge.Linkerd, TrafficKind.Responses, source, destination, s);
            if (s.Label("classification") == "failure")
            {
                Add(ConnectionEdge.Linkerd, TrafficKind.FailedResponses, source, destination, s);
            }
        }

        foreach (var s in await RangeAsync(EachMetric(LinkerdBytes, metric => Outbound(metric))))
        {
            Add(ConnectionEdge.Linkerd, TrafficKind.Bytes, LinkerdWorkload(s, string.Empty), LinkerdWorkload(s, "dst_"), s);
        }

        // Linkerd, clients without a proxy: seen only by the receiving proxy, without a TLS identity.
        foreach (var s in await RangeAsync($"sum by ({LinkerdSource}) (rate(request_total{{direction=\"inbound\",tls!=\"true\",namespace=~\"{ns}\"}}[{RateWindow}]))"))
        {
            // Every request gets a response: both count.
            Add(ConnectionEdge.Linkerd, TrafficKind.Requests, ConnectionEdge.UnmeshedClients, LinkerdWorkload(s, string.Empty), s);
            Add(ConnectionEdge.Linkerd, TrafficKind.UnclassifiedResponses, ConnectionEdge.UnmeshedClients, LinkerdWorkload(s, string.Empty), s);
        }

        foreach (var s in await RangeAsync(EachMetric(LinkerdBytes, metric =>
            $"sum by ({LinkerdSource}) (rate({metric}{{direction=\"inbound\",tls!=\"true\",namespace=~\"{ns}\"}}[{RateWindow}]))")))
        {
            Add(ConnectionEdge.Linkerd, TrafficKind.Bytes, ConnectionEdge.UnmeshedClients, LinkerdWorkload(s, string.Empty), s);
        }

        // Istio, meshed pairs: the source reporter; each request counted is a request and its response.
        string Source(string metric, string by = "") =>
            $"sum by ({IstioPair}{by}) (rate({metric}{{reporter=\"source\",source_workload_namespace=~\"{ns}\"}}[{RateWindow}]))" +
            $" or sum by ({IstioPair}{by}) (rate({metric}{{reporter=\"source\",destination_workload_namespace=~\"{ns}\"}}[{RateWindow}]))";
        foreach (var s in await RangeAsync(Source("istio_requests_total", ", response_code")))
        {
            var (source, destination) = (IstioWorkload(s, "source_"), IstioWorkload(s, "destination_"));
            Add(ConnectionEdge.Istio, TrafficKind.Requests, source, destination, s);
            Add(ConnectionEdge.Istio, TrafficKind.Responses, source, destination, s);
            if (s.Label("response_code").StartsWith('5'))
            {
                Add(ConnectionEdge.Istio, TrafficKind.FailedResponses, source, destination, s);
            }
        }

        foreach (var s in await RangeAsync(EachMetric(IstioBytes, metric => Source(metric))))
        {
            Add(ConnectionEdge.Istio, TrafficKind.Bytes, IstioWorkload(s, "source_"), IstioWorkload(s, "destination_"), s);
        }

        // Istio, clients without a sidecar: only the destination reports them, as source_workload="unknown".
        foreach (var s in await RangeAsync(
            $"sum by (destination_workload, destination_workload_namespace) (rate(istio_requests_total{{reporter=\"destination\",source_workload=\"unknown\",destination_workload_namespace=~\"{ns}\"}}[{RateWindow}]))"))
        {
            Add(ConnectionEdge.Istio, TrafficKind.Requests, ConnectionEdge.UnmeshedClients, IstioWorkload(s, "destination_"), s);
            Add(ConnectionEdge.Istio, TrafficKind.UnclassifiedResponses, ConnectionEdge.UnmeshedClients, IstioWorkload(s, "destination_"), s);
        }

        return result;

        Task<IReadOnlyList<PromSeries>> RangeAsync(string query) =>
            prometheus.QueryRangeAsync(query, window.Start, window.End, resolution, cancellationToken);

        void Add(string mesh, TrafficKind kind, WorkloadRef? source, WorkloadRef? destination, PromSeries series)
        {
            // A proxy of a pod with no known controller (a bare pod, a Job) names no workload: nothing to profile.
            if (source is not null && destination is not null)
            {
                // NaN and infinities (a rate over a gap) carry no traffic.
                result.Add(new TrafficSeries(mesh, kind, source, destination, [.. series.Samples.Where(s => double.IsFinite(s.Value))]));
            }
        }
    }

    /// <summary>
    /// One query for several metrics summed alike, each result marked with its metric's name: a rate over a
    /// name pattern would drop the names and meet duplicate series (bytes read and written between the same pods).
    /// </summary>
    public static string EachMetric(IEnumerable<string> metrics, Func<string, string> query) =>
        string.Join(" or ", metrics.Select(metric => $"label_replace(({query(metric)}), \"metric\", \"{metric}\", \"\", \"\")"));

    /// <summary>The workload a Linkerd series names with the given label prefix (none for the source, dst_ for the destination).</summary>
    public static WorkloadRef? LinkerdWorkload(PromSeries series, string prefix)
    {
        var ns = series.Label(prefix + "namespace");
        (string Label, string Kind)[] kinds =
            [("deployment", WorkloadKinds.Deployment), ("statefulset", WorkloadKinds.StatefulSet), ("daemonset", WorkloadKinds.DaemonSet)];
        foreach (var (label, kind) in kinds)
        {
            if (series.Label(prefix + label) is { Length: > 0 } name && ns.Length > 0)
            {
                return new WorkloadRef(ns, kind, name);
            }
        }

        return null;
    }

    /// <summary>The workload an Istio series names with the given prefix; Istio gives no kind.</summary>
    public static WorkloadRef? IstioWorkload(PromSeries series, string prefix)
    {
        var ns = series.Label(prefix + "workload_namespace");
        var name = series.Label(prefix + "workload");
        return ns.Length > 0 && name.Length > 0 && name != "unknown" ? new WorkloadRef(ns, WorkloadKinds.Workload, name) : null;
    }
}
