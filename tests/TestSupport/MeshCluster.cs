using Resorcerer.DevKit;

namespace Resorcerer.TestSupport;

/// <summary>
/// A small microservice application with service-mesh traffic simple enough to compute by hand, loaded into a
/// real Prometheus. Series are scraped every 15 s and end at <c>e</c>, the fixture's end rounded down to the minute;
/// the connection window the tests read is the last hour, [e - 1h, e].
/// <list type="bullet">
/// <item>Namespace <c>shop</c>, meshed by Linkerd. <c>web</c> (Deployment) rolls out 30 min before the end: ReplicaSet
/// web-7c9d8b6f5's two pods hand over to web-5b8c7d9f6's two pods.
/// <list type="bullet">
/// <item>web to api (Deployment): 10 requests/s in all (5 per pod), 1% failing, 200 bytes out and 800 back per request.</item>
/// <item>web to catalog (Deployment): 4 requests/s in all before the rollout, 8 after.</item>
/// <item>api to db (StatefulSet): plain TCP, 5,000 bytes/s.</item>
/// <item>api to payments/gateway (Deployment, a namespace that is not profiled): 1 request/s.</item>
/// <item>clients without a proxy to api: 3 requests/s.</item>
/// </list></item>
/// <item>Namespace <c>store</c>, meshed by Istio: front (Deployment) to cart (Deployment): 6 requests/s, 10% answered 503,
/// 100 bytes out and 400 back; clients without a sidecar to front: 2 requests/s.</item>
/// </list>
/// Every pod also has cAdvisor usage and kube-state-metrics ownership, so that the profiler profiles its workload.
/// </summary>
public static class MeshCluster
{
    public const long Hour = 3600, Minute = 60;
    public static readonly TimeSpan Scrape = TimeSpan.FromSeconds(15);

    public static long End(DateTimeOffset end) => end.ToUnixTimeSeconds() / 60 * 60;

    public static ClusterSeries Build(DateTimeOffset end)
    {
        var e = End(end);
        var start = e - 4 * Hour;
        var rollout = e - 30 * Minute;
        var series = new ClusterSeries(Scrape) { IncludePodLevelSeries = false };

        const string OldRs = "web-7c9d8b6f5", NewRs = "web-5b8c7d9f6";
        var oldWeb = new[] { Pod("shop", "Deployment", "web", $"{OldRs}-a1b2c"), Pod("shop", "Deployment", "web", $"{OldRs}-d3e4f") };
        var newWeb = new[] { Pod("shop", "Deployment", "web", $"{NewRs}-g5h6j"), Pod("shop", "Deployment", "web", $"{NewRs}-k7m8n") };
        var api = Pod("shop", "Deployment", "api", "api-6d5c4b3a2-p1q2r");
        var catalog = Pod("shop", "Deployment", "catalog", "catalog-5c4d3e2f1-s3t4u");
        var db = Pod("shop", "StatefulSet", "db", "db-0");
        var gateway = Pod("payments", "Deployment", "gateway", "gateway-4b3c2d1e0-w1x2y");
        var front = Pod("store", "Deployment", "front", "front-7f6e5d4c3-v5w6x");
        var cart = Pod("store", "Deployment", "cart", "cart-8a7b6c5d4-y7z8a");

        series.Add(new ReplicaSetSeries("shop", OldRs, "Deployment", "web", start, rollout));
        series.Add(new ReplicaSetSeries("shop", NewRs, "Deployment", "web", rollout, e));
        foreach (var pod in oldWeb)
        {
            Usage(series, pod, "ReplicaSet", OldRs, start, rollout);
            MeshTraffic.Linkerd(series, pod, api, start, rollout, _ => 5, failureShare: 0.01, requestBytes: 200, responseBytes: 800);
            MeshTraffic.Linkerd(series, pod, catalog, start, rollout, _ => 2);
        }

        foreach (var pod in newWeb)
        {
            Usage(series, pod, "ReplicaSet", NewRs, rollout, e);
            MeshTraffic.Linkerd(series, pod, api, rollout, e, _ => 5, failureShare: 0.01, requestBytes: 200, responseBytes: 800);
            MeshTraffic.Linkerd(series, pod, catalog, rollout, e, _ => 4);
        }

        foreach (var (pod, rs) in new[] { (api, "api-6d5c4b3a2"), (catalog, "catalog-5c4d3e2f1"), (front, "front-7f6e5d4c3"), (cart, "cart-8a7b6c5d4") })
        {
            series.Add(new ReplicaSetSeries(pod.Namespace, rs, "Deployment", pod.Workload, start, e));
            Usage(series, pod, "ReplicaSet", rs, start, e);
        }

        Usage(series, db, "StatefulSet", "db", start, e);
        MeshTraffic.LinkerdTcp(series, api, db, start, e, bytesPerSecond: 5000);
        MeshTraffic.Linkerd(series, api, gateway, start, e, _ => 1);
        MeshTraffic.LinkerdUnmeshed(series, api, start, e, _ => 3);

        MeshTraffic.Istio(series, front, cart, start, e, _ => 6, serverErrorShare: 0.1, requestBytes: 100, responseBytes: 400);
        MeshTraffic.IstioUnmeshed(series, front, start, e, _ => 2);
        return series;
    }

    private static MeshPod Pod(string ns, string kind, string workload, string pod) => new(ns, kind, workload, pod);

    private static void Usage(ClusterSeries series, MeshPod pod, string ownerKind, string ownerName, long start, long end) =>
        series.Add(new PodSeries(pod.Namespace, pod.Pod, ownerKind, ownerName, start, end,
            [new ContainerUsageSeries("app", _ => 0.1, _ => 64L * 1024 * 1024)]));
}
