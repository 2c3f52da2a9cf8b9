using Resorcerer.DevKit;

namespace Resorcerer.TestSupport;

/// <summary>
/// A cluster whose metrics hold the bad readings real exporters have been seen to give, loaded into a real
/// Prometheus. One node of 8 cores and 32 GiB (7.5 cores and 30 GiB allocatable). In namespace <c>wild</c>:
/// <list type="bullet">
/// <item>Deployment/glitchy: 0.2 cores and 200 MiB for 6 h, except one reading each of 2^64-1 bytes, -500 MB, NaN,
/// and a 40x spike (8000 MiB) that lasts one scrape.</item>
/// <item>DaemonSet/runaway: 0.1 cores, except one scrape where its CPU counter leaps by a billion core-seconds.</item>
/// <item>Deployment/greedy: 7.9 cores and 20 GiB: more CPU than a node can give a pod.</item>
/// </list>
/// </summary>
public static class HostileCluster
{
    public const string Namespace = "wild";
    public const long Mi = 1024 * 1024, Gi = 1024 * Mi;

    public static ClusterSeries Build(DateTimeOffset end)
    {
        var e = end.ToUnixTimeSeconds() / 60 * 60;
        const long Hour = 3600;
        var series = new ClusterSeries(TimeSpan.FromMinutes(1));
        series.Add(new NodeSeries("node-1", 8, 32 * Gi, 7.5, 30 * Gi, e - 7 * Hour, e));

        double GlitchyMemory(long t) =>
            t == e - 3 * Hour ? Math.Pow(2, 64) - 1
            : t == e - 2 * Hour ? -500e6
            : t == e - 90 * 60 ? double.NaN
            : t == e - Hour ? 8000 * Mi
            : 200 * Mi;
        Deployment(series, "glitchy", "glitchy-5f7b8c9d4", e - 6 * Hour, e, new ContainerUsageSeries("app", _ => 0.2, GlitchyMemory));
        series.Add(new PodSeries(Namespace, "runaway-x7k2p", "DaemonSet", "runaway", e - 6 * Hour, e,
            [new ContainerUsageSeries("agent", t => t == e - 2 * Hour ? 1e9 / 60 : 0.1, _ => 50 * Mi)]));
        Deployment(series, "greedy", "greedy-6c8d9f7b5", e - 6 * Hour, e, new ContainerUsageSeries("app", _ => 7.9, _ => 20 * Gi));
        return series;
    }

    private static void Deployment(ClusterSeries series, string name, string replicaSet, long start, long end, ContainerUsageSeries container)
    {
        series.Add(new ReplicaSetSeries(Namespace, replicaSet, "Deployment", name, start, end));
        series.Add(new PodSeries(Namespace, $"{replicaSet}-q9m4t", "ReplicaSet", replicaSet, start, end, [container]));
    }
}
