using Resorcerer.DevKit;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Demo;

/// <summary>
/// Turns the bundled Google 2019 task traces into the Prometheus series of a small namespace (see samples/README.md):
/// a Deployment with a rollout half-way, a StatefulSet and a DaemonSet, and illustrative service-mesh traffic.
/// </summary>
public static class SampleCluster
{
    public const string Namespace = "shop";
    private const string Task = "google2019/382417448240-";

    public static ClusterSeries Build(string tracePath, DateTimeOffset end)
    {
        var traces = UsageTraceReader.Read(tracePath)
            .GroupBy(row => row.Workload)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.Timestamp).ToArray());
        var traceEnd = traces.Values.Max(rows => rows[^1].Timestamp);
        var traceStart = traces.Values.Min(rows => rows[0].Timestamp);
        var shift = end.ToUnixTimeSeconds() / 60 * 60 - traceEnd;
        long start = traceStart + shift, stop = traceEnd + shift, middle = (start + stop) / 2 / 60 * 60;

        var series = new ClusterSeries(TimeSpan.FromMinutes(1));
        const string OldRs = "checkout-5d8f7c9b4", NewRs = "checkout-6c9d8b7f5";
        series.Add(new ReplicaSetSeries(Namespace, OldRs, "Deployment", "checkout", start, middle));
        series.Add(new ReplicaSetSeries(Namespace, NewRs, "Deployment", "checkout", middle, stop));
        string[] suffixes = ["k2x9p", "m4q7t", "r8w3v"];
        string[] checkoutTasks = ["2", "22", "23"];
        var ordersDb = new MeshPod(Namespace, "StatefulSet", "orders-db", "orders-db-0");
        var gateway = new MeshPod("payments", "Deployment", "gateway", "gateway-7b6c5d4e3-q2w3e");
        for (var i = 0; i < checkoutTasks.Length; i++)
        {
            var usage = Usage("app", traces[Task + checkoutTasks[i]], shift, 1.0);
            foreach (var (rs, from, to) in new[] { (OldRs, start, middle - 60), (NewRs, middle, stop) })
            {
                var pod = $"{rs}-{suffixes[i]}";
                series.Add(new PodSeries(Namespace, pod, "ReplicaSet", rs, from, to, [usage]));

                // Illustrative Linkerd traffic (the traces have none): shoppers without a proxy call checkout, which
                // calls the payment gateway in another namespace and talks plain TCP to its database.
                var checkout = new MeshPod(Namespace, "Deployment", "checkout", pod);
                MeshTraffic.LinkerdUnmeshed(series, checkout, from, to, t => 4 + Math.Sin(t / 3600.0));
                MeshTraffic.Linkerd(series, checkout, gateway, from, to, _ => 1.5, failureShare: 0.004, requestBytes: 600, responseBytes: 250);
                MeshTraffic.LinkerdTcp(series, checkout, ordersDb, from, to, bytesPerSecond: 12_000);
            }
        }

        series.Add(new PodSeries(Namespace, "orders-db-0", "StatefulSet", "orders-db", start, stop, [Usage("postgres", traces[Task + "27"], shift, 1.0)]));
        series.Add(new PodSeries(Namespace, "orders-db-1", "StatefulSet", "orders-db", start, stop, [Usage("postgres", traces[Task + "33"], shift, 1.0)]));
        series.Add(new PodSeries(Namespace, "node-agent-7xk2p", "DaemonSet", "node-agent", start, stop, [Usage("agent", traces[Task + "39"], shift, 0.1)]));

        // What the running pods ask for, as kube-state-metrics reports it (sized by hand, as teams do), for the report.
        foreach (var suffix in suffixes)
        {
            Requests(series, $"{NewRs}-{suffix}", "app", 0.5, 2 * Gi, 1.0, 3 * Gi, middle, stop);
        }

        Requests(series, "orders-db-0", "postgres", 0.25, Gi, null, null, start, stop);
        Requests(series, "orders-db-1", "postgres", 0.25, Gi, null, null, start, stop);
        Requests(series, "node-agent-7xk2p", "agent", 0.1, 128 * Mi, null, 256 * Mi, start, stop);
        return series;
    }

    private const long Mi = 1024 * 1024, Gi = 1024 * Mi;

    /// <summary>kube-state-metrics' requests and limits of one running container, and its pod's phase.</summary>
    private static void Requests(ClusterSeries series, string pod, string container, double cpu, long memory, double? cpuLimit, long? memoryLimit, long from, long to)
    {
        KeyValuePair<string, string>[] labels = [new("namespace", Namespace), new("pod", pod), new("container", container)];
        void Add(string metric, string resource, string unit, double? value)
        {
            if (value is { } amount)
            {
                series.Add(new GaugeSeries(metric, [.. labels, new("resource", resource), new("unit", unit)], from, to, _ => amount));
            }
        }

        Add("kube_pod_container_resource_requests", "cpu", "core", cpu);
        Add("kube_pod_container_resource_requests", "memory", "byte", memory);
        Add("kube_pod_container_resource_limits", "cpu", "core", cpuLimit);
        Add("kube_pod_container_resource_limits", "memory", "byte", memoryLimit);
        series.Add(new GaugeSeries("kube_pod_status_phase", [new("namespace", Namespace), new("pod", pod), new("phase", "Running")], from, to, _ => 1));
    }

    /// <summary>A container whose usage at time t is the trace's window that covers t (shifted), scaled.</summary>
    private static ContainerUsageSeries Usage(string container, TraceRow[] rows, long shift, double scale)
    {
        var times = rows.Select(r => r.Timestamp + shift).ToArray();
        TraceRow At(long t)
        {
            var index = Array.BinarySearch(times, t);
            return rows[Math.Clamp(index >= 0 ? index : ~index - 1, 0, rows.Length - 1)];
        }

        return new ContainerUsageSeries(container, t => At(t).CpuCores * scale, t => At(t).MemoryBytes * scale);
    }
}
