namespace Resorcerer.DevKit;

/// <summary>A pod of a workload, as a mesh proxy labels it.</summary>
public sealed record MeshPod(string Namespace, string Kind, string Workload, string Pod);

/// <summary>
/// Writes service-mesh proxy series into a <see cref="ClusterSeries"/>, shaped as Linkerd and Istio export them,
/// for one pod's traffic to one destination workload. Rates are per second, as functions of Unix seconds.
/// </summary>
public static class MeshTraffic
{
    /// <summary>
    /// Linkerd, the sending pod's proxy: outbound <c>request_total</c>, <c>response_total</c> (success and failure),
    /// and <c>tcp_write_bytes_total</c> / <c>tcp_read_bytes_total</c> (bytes sent and received).
    /// </summary>
    public static void Linkerd(ClusterSeries series, MeshPod source, MeshPod destination, long start, long end,
        Func<long, double> requestsPerSecond, double failureShare = 0, double requestBytes = 0, double responseBytes = 0)
    {
        var kind = source.Kind.ToLowerInvariant();
        var dstKind = destination.Kind.ToLowerInvariant();
        List<KeyValuePair<string, string>> Labels(params (string Key, string Value)[] extra) =>
        [
            new("namespace", source.Namespace), new("pod", source.Pod), new(kind, source.Workload), new("direction", "outbound"),
            new("dst_namespace", destination.Namespace), new("dst_" + dstKind, destination.Workload),
            new("dst_service", destination.Workload), new("tls", "true"),
            .. extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)),
        ];

        series.Add(new CounterSeries("request_total", Labels(), start, end, requestsPerSecond));
        series.Add(new CounterSeries("response_total", Labels(("classification", "success"), ("status_code", "200")), start, end,
            t => requestsPerSecond(t) * (1 - failureShare)));
        if (failureShare > 0)
        {
            series.Add(new CounterSeries("response_total", Labels(("classification", "failure"), ("status_code", "503")), start, end,
                t => requestsPerSecond(t) * failureShare));
        }

        if (requestBytes > 0 || responseBytes > 0)
        {
            series.Add(new CounterSeries("tcp_write_bytes_total", Labels(("peer", "dst")), start, end, t => requestsPerSecond(t) * requestBytes));
            series.Add(new CounterSeries("tcp_read_bytes_total", Labels(("peer", "dst")), start, end, t => requestsPerSecond(t) * responseBytes));
        }
    }

    /// <summary>Linkerd, plain TCP (a database): only the byte counters, <paramref name="bytesPerSecond"/> split evenly both ways.</summary>
    public static void LinkerdTcp(ClusterSeries series, MeshPod source, MeshPod destination, long start, long end, double bytesPerSecond)
    {
        var kind = source.Kind.ToLowerInvariant();
        List<KeyValuePair<string, string>> labels =
        [
            new("namespace", source.Namespace), new("pod", source.Pod), new(kind, source.Workload), new("direction", "outbound"),
            new("dst_namespace", destination.Namespace), new("dst_" + destination.Kind.ToLowerInvariant(), destination.Workload),
            new("peer", "dst"), new("tls", "true"),
        ];
        series.Add(new CounterSeries("tcp_write_bytes_total", labels, start, end, _ => bytesPerSecond / 2));
        series.Add(new CounterSeries("tcp_read_bytes_total", labels, start, end, _ => bytesPerSecond / 2));
    }

    /// <summary>Linkerd, the receiving pod's proxy, for clients without a proxy: inbound requests with no TLS identity.</summary>
    public static void LinkerdUnmeshed(ClusterSeries series, MeshPod destination, long start, long end, Func<long, double> requestsPerSecond)
    {
        List<KeyValuePair<string, string>> labels =
        [
            new("namespace", destination.Namespace), new("pod", destination.Pod), new(destination.Kind.ToLowerInvariant(), destination.Workload),
            new("direction", "inbound"), new("tls", "no_identity"), new("no_tls_reason", "no_tls_from_remote"),
        ];
        series.Add(new CounterSeries("request_total", labels, start, end, requestsPerSecond));
    }

    /// <summary>
    /// Istio, the source sidecar's report (<c>reporter="source"</c>): <c>istio_requests_total</c> by response code, and
    /// the request and response byte sums. Istio names workloads without their kind.
    /// </summary>
    public static void Istio(ClusterSeries series, MeshPod source, MeshPod destination, long start, long end,
        Func<long, double> requestsPerSecond, double serverErrorShare = 0, double requestBytes = 0, double responseBytes = 0)
    {
        List<KeyValuePair<string, string>> Labels(params (string Key, string Value)[] extra) =>
        [
            new("reporter", "source"), new("source_workload", source.Workload), new("source_workload_namespace", source.Namespace),
            new("source_app", source.Workload), new("destination_workload", destination.Workload),
            new("destination_workload_namespace", destination.Namespace), new("destination_service_name", destination.Workload),
            new("pod", source.Pod),
            .. extra.Select(e => new KeyValuePair<string, string>(e.Key, e.Value)),
        ];

        series.Add(new CounterSeries("istio_requests_total", Labels(("response_code", "200")), start, end, t => requestsPerSecond(t) * (1 - serverErrorShare)));
        if (serverErrorShare > 0)
        {
            series.Add(new CounterSeries("istio_requests_total", Labels(("response_code", "503")), start, end, t => requestsPerSecond(t) * serverErrorShare));
        }

        series.Add(new CounterSeries("istio_request_bytes_sum", Labels(), start, end, t => requestsPerSecond(t) * requestBytes));
        series.Add(new CounterSeries("istio_response_bytes_sum", Labels(), start, end, t => requestsPerSecond(t) * responseBytes));
    }

    /// <summary>Istio, the destination sidecar's report of clients without a sidecar (<c>source_workload="unknown"</c>).</summary>
    public static void IstioUnmeshed(ClusterSeries series, MeshPod destination, long start, long end, Func<long, double> requestsPerSecond)
    {
        List<KeyValuePair<string, string>> labels =
        [
            new("reporter", "destination"), new("source_workload", "unknown"), new("source_workload_namespace", "unknown"),
            new("destination_workload", destination.Workload), new("destination_workload_namespace", destination.Namespace),
            new("pod", destination.Pod), new("response_code", "200"),
        ];
        series.Add(new CounterSeries("istio_requests_total", labels, start, end, requestsPerSecond));
    }
}
