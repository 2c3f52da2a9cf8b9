using Resorcerer.DevKit;

namespace Resorcerer.TestSupport;

/// <summary>
/// Four nodes' load over the last hour, each from another source, with levels that change every five minutes so
/// that the 15-, 10- and 5-minute windows differ (ages in minutes before the end: 0-4, 5-9, 10-14):
/// <list type="bullet">
/// <item>node-a: the kube-prometheus recording rules only. CPU 0.30, 0.20, 0.10; memory 0.5, 0.5, 0.8.</item>
/// <item>node-b: node-exporter only. Two CPUs idle 0.6 s/s each (CPU 0.4); 16 GiB, 8, 4 and 12 GiB available (memory 0.5, 0.75, 0.25).</item>
/// <item>node-c: the kubelet's cAdvisor root cgroup only. 1 core of 4 (CPU 0.25); 2, 4 and 6 GiB of 8 (memory 0.25, 0.5, 0.75).</item>
/// <item>node-d: the rules (CPU 0.9, memory 0.7) and node-exporter (CPU 0.5, memory 0.2): the rules win.</item>
/// </list>
/// Before the last 15 minutes every level is 0.5 (node-b and node-c: their first level), so that a window that
/// reached back would show it.
/// </summary>
public static class NodeCluster
{
    private const double Gi = 1024d * 1024 * 1024;

    public static readonly TimeSpan Scrape = TimeSpan.FromMinutes(1);

    /// <summary>The series' last sample time: <paramref name="end"/> down to the whole minute.</summary>
    public static long EndOf(DateTimeOffset end) => end.ToUnixTimeSeconds() / 60 * 60;

    public static ClusterSeries Build(DateTimeOffset end)
    {
        var e = EndOf(end);
        var start = e - 3600;
        var series = new ClusterSeries(Scrape) { IncludePodLevelSeries = false };

        // The level by age: minutes 0-4, 5-9, 10-14 before the end, and what came before.
        Func<long, double> Levels(double recent, double middle, double oldest, double before) => t => ((e - t) / 60) switch
        {
            < 5 => recent,
            < 10 => middle,
            < 15 => oldest,
            _ => before,
        };

        static KeyValuePair<string, string>[] Instance(string node) => [new("instance", node), new("job", "node-exporter")];

        series.Add(new GaugeSeries("instance:node_cpu:ratio", Instance("node-a"), start, e, Levels(0.30, 0.20, 0.10, 0.5)));
        series.Add(new GaugeSeries("instance:node_memory_utilisation:ratio", Instance("node-a"), start, e, Levels(0.5, 0.5, 0.8, 0.5)));

        foreach (var cpu in new[] { "0", "1" })
        {
            series.Add(new CounterSeries("node_cpu_seconds_total", [.. Instance("node-b"), new("cpu", cpu), new("mode", "idle")], start, e, _ => 0.6));
        }

        series.Add(new GaugeSeries("node_memory_MemTotal_bytes", Instance("node-b"), start, e, _ => 16 * Gi));
        series.Add(new GaugeSeries("node_memory_MemAvailable_bytes", Instance("node-b"), start, e, Levels(8 * Gi, 4 * Gi, 12 * Gi, 8 * Gi)));

        series.Add(new MachineSeries("node-c", start, e, _ => 1.0, Levels(2 * Gi, 4 * Gi, 6 * Gi, 2 * Gi), Cores: 4, Bytes: 8 * Gi));

        series.Add(new GaugeSeries("instance:node_cpu:ratio", Instance("node-d"), start, e, _ => 0.9));
        series.Add(new GaugeSeries("instance:node_memory_utilisation:ratio", Instance("node-d"), start, e, _ => 0.7));
        series.Add(new CounterSeries("node_cpu_seconds_total", [.. Instance("node-d"), new("cpu", "0"), new("mode", "idle")], start, e, _ => 0.5));
        series.Add(new GaugeSeries("node_memory_MemTotal_bytes", Instance("node-d"), start, e, _ => 10 * Gi));
        series.Add(new GaugeSeries("node_memory_MemAvailable_bytes", Instance("node-d"), start, e, _ => 8 * Gi));
        return series;
    }
}
