using Resorcerer.DevKit;

namespace Resorcerer.TestSupport;

/// <summary>
/// A small cluster with usage simple enough to compute by hand, loaded into a real Prometheus by the tests.
/// All series end two minutes before the fixture is built (Prometheus refuses data from the future).
/// <list type="bullet">
/// <item>shop/Deployment/web: a rollout. ReplicaSet web-5f7b8c9d4 ran 2 pods for 4 h, then web-6c8d9f7b5 ran 2 pods
/// for 3 h. Container <c>web</c>: 0.2 cores and 100 MiB on old pods, 0.4 cores and 150 MiB on new ones; container
/// <c>proxy</c>: 0.05 cores and 20 MiB throughout.</item>
/// <item>shop/StatefulSet/db: pod db-0, 6 h, container <c>postgres</c> at 1.5 cores and 1 GiB, OOM-killed 2 h before the end.</item>
/// <item>shop/DaemonSet/agent: one pod, 6 h, container <c>agent</c> at 0.01 cores and 30 MiB.</item>
/// <item>shop/Deployment/legacy: 6 h, but kube-state-metrics has no row for its ReplicaSet (naming rule applies).</item>
/// <item>shop/Deployment/thin: only 1 h of data, too little to profile.</item>
/// <item>shop/debug: a bare pod without a controller.</item>
/// <item>other/Deployment/elsewhere: a namespace that is not profiled.</item>
/// <item>batch/CronJob/report: two runs (Jobs report-29345678 and report-29345738), 3 h each, 0.5 cores and 256 MiB.</item>
/// </list>
/// </summary>
public static class TestCluster
{
    public const string Namespace = "shop";
    public const long Mi = 1024 * 1024;
    public static readonly TimeSpan Scrape = TimeSpan.FromMinutes(1);

    public static long OomKillTime(DateTimeOffset end) => end.ToUnixTimeSeconds() / 60 * 60 - 2 * 3600;

    public static ClusterSeries Build(DateTimeOffset end)
    {
        var e = end.ToUnixTimeSeconds() / 60 * 60;
        const long Hour = 3600;
        var series = new ClusterSeries(Scrape);

        const string OldRs = "web-5f7b8c9d4", NewRs = "web-6c8d9f7b5";
        series.Add(new ReplicaSetSeries(Namespace, OldRs, "Deployment", "web", e - 7 * Hour, e));
        series.Add(new ReplicaSetSeries(Namespace, NewRs, "Deployment", "web", e - 3 * Hour, e));
        foreach (var suffix in new[] { "x7k2p", "q9m4t" })
        {
            series.Add(Pod($"{OldRs}-{suffix}", "ReplicaSet", OldRs, e - 7 * Hour, e - 3 * Hour,
                Container("web", 0.2, 100 * Mi), Container("proxy", 0.05, 20 * Mi)));
        }

        foreach (var suffix in new[] { "b4n8w", "z2r6v" })
        {
            series.Add(Pod($"{NewRs}-{suffix}", "ReplicaSet", NewRs, e - 3 * Hour, e,
                Container("web", 0.4, 150 * Mi), Container("proxy", 0.05, 20 * Mi)));
        }

        series.Add(Pod("db-0", "StatefulSet", "db", e - 6 * Hour, e, Container("postgres", 1.5, 1024 * Mi)));
        series.Add(new OomKillSeries(Namespace, "db-0", "postgres", e - 2 * Hour));
        series.Add(Pod("agent-k8w2d", "DaemonSet", "agent", e - 6 * Hour, e, Container("agent", 0.01, 30 * Mi)));
        series.Add(Pod("legacy-8b7c6d5f9-m3n4p", "ReplicaSet", "legacy-8b7c6d5f9", e - 6 * Hour, e, Container("app", 0.3, 200 * Mi)));

        series.Add(new ReplicaSetSeries(Namespace, "thin-7d9c8b6f4", "Deployment", "thin", e - Hour, e));
        series.Add(Pod("thin-7d9c8b6f4-h5j6k", "ReplicaSet", "thin-7d9c8b6f4", e - Hour, e, Container("app", 0.1, 64 * Mi)));

        series.Add(Pod("debug", "<none>", "<none>", e - 6 * Hour, e, Container("shell", 0.5, 50 * Mi)));

        foreach (var (job, start) in new[] { ("report-29345678", e - 7 * Hour), ("report-29345738", e - 3 * Hour) })
        {
            series.Add(new JobSeries("batch", job, "CronJob", "report", start, start + 3 * Hour));
            series.Add(new PodSeries("batch", $"{job}-q8z2x", "Job", job, start, start + 3 * Hour, [Container("report", 0.5, 256 * Mi)]));
        }

        // What the running pods ask for (kube-state-metrics), for the report: web's new pods and db-0.
        foreach (var (pod, container, cpu, memory, limits) in new[]
        {
            ($"{NewRs}-b4n8w", "web", 0.5, 256 * Mi, true), ($"{NewRs}-b4n8w", "proxy", 0.1, 64 * Mi, false),
            ($"{NewRs}-z2r6v", "web", 0.5, 256 * Mi, true), ($"{NewRs}-z2r6v", "proxy", 0.1, 64 * Mi, false),
            ("db-0", "postgres", 2.0, 2048 * Mi, false),
        })
        {
            var start = e - 3 * Hour;
            KeyValuePair<string, string>[] labels = [new("namespace", Namespace), new("pod", pod), new("container", container)];
            series.Add(new GaugeSeries("kube_pod_container_resource_requests", [.. labels, new("resource", "cpu"), new("unit", "core")], start, e, _ => cpu));
            series.Add(new GaugeSeries("kube_pod_container_resource_requests", [.. labels, new("resource", "memory"), new("unit", "byte")], start, e, _ => memory));
            if (limits)
            {
                series.Add(new GaugeSeries("kube_pod_container_resource_limits", [.. labels, new("resource", "cpu"), new("unit", "core")], start, e, _ => cpu * 2));
                series.Add(new GaugeSeries("kube_pod_container_resource_limits", [.. labels, new("resource", "memory"), new("unit", "byte")], start, e, _ => memory * 2));
            }
        }

        foreach (var (pod, phase) in new[] { ($"{NewRs}-b4n8w", "Running"), ($"{NewRs}-z2r6v", "Running"), ("db-0", "Running"), ($"{OldRs}-x7k2p", "Succeeded") })
        {
            series.Add(new GaugeSeries("kube_pod_status_phase", [new("namespace", Namespace), new("pod", pod), new("phase", phase)], e - 3 * Hour, e, _ => 1));
        }

        series.Add(new ReplicaSetSeries("other", "elsewhere-6f5d4c3b2", "Deployment", "elsewhere", e - 6 * Hour, e));
        series.Add(new PodSeries("other", "elsewhere-6f5d4c3b2-a1b2c", "ReplicaSet", "elsewhere-6f5d4c3b2", e - 6 * Hour, e,
            [Container("app", 2, 512 * Mi)]));
        return series;
    }

    private static PodSeries Pod(string name, string ownerKind, string ownerName, long start, long end, params ContainerUsageSeries[] containers) =>
        new(Namespace, name, ownerKind, ownerName, start, end, containers);

    private static ContainerUsageSeries Container(string name, double cores, long bytes) => new(name, _ => cores, _ => bytes);
}
