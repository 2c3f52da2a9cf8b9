using System.Globalization;

namespace Resorcerer.DevKit;

/// <summary>Usage of one container over time: CPU in cores and memory working set in bytes, as functions of Unix seconds.</summary>
public sealed record ContainerUsageSeries(string Name, Func<long, double> CpuCores, Func<long, double> MemoryBytes);

/// <summary>A pod that lived from <see cref="Start"/> to <see cref="End"/> (Unix seconds), owned by a controller.</summary>
public sealed record PodSeries(
    string Namespace,
    string Pod,
    string OwnerKind,
    string OwnerName,
    long Start,
    long End,
    IReadOnlyList<ContainerUsageSeries> Containers);

/// <summary>A Job and its owner (a CronJob, or none), as kube-state-metrics reports it while the Job exists.</summary>
public sealed record JobSeries(string Namespace, string Job, string OwnerKind, string OwnerName, long Start, long End);

/// <summary>An OOM kill of a container of a pod at a time (Unix seconds); the container restarts at once.</summary>
public sealed record OomKillSeries(string Namespace, string Pod, string Container, long Timestamp);

/// <summary>
/// Any other running total a scrape would hold (service-mesh proxies' counters, for instance), growing by
/// <see cref="PerSecond"/> x elapsed time from <see cref="Start"/> to <see cref="End"/>: typed a counter when the
/// name ends in <c>_total</c>, a gauge otherwise (a histogram's <c>_sum</c>). Labels are written in the order given.
/// </summary>
public sealed record CounterSeries(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, long Start, long End, Func<long, double> PerSecond);

/// <summary>A node's capacity and allocatable CPU (cores) and memory (bytes), as kube-state-metrics reports them.</summary>
public sealed record NodeSeries(string Node, double CapacityCores, double CapacityBytes, double AllocatableCores, double AllocatableBytes, long Start, long End);

/// <summary>A gauge of any name and labels (node-exporter's memory, a recording rule), sampled every step from start to end.</summary>
public sealed record GaugeSeries(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, long Start, long End, Func<long, double> Value);

/// <summary>
/// A node's root cgroup (<c>id="/"</c>) as the kubelet's cAdvisor reports it, labelled <c>instance</c> and <c>node</c>
/// with the node's name, with the machine's size (<c>machine_cpu_cores</c>, <c>machine_memory_bytes</c>).
/// </summary>
public sealed record MachineSeries(string Node, long Start, long End, Func<long, double> CpuCores, Func<long, double> MemoryBytes, double Cores, double Bytes);

/// <summary>A ReplicaSet and its owner, as kube-state-metrics reports it while the ReplicaSet exists.</summary>
public sealed record ReplicaSetSeries(string Namespace, string ReplicaSet, string OwnerKind, string OwnerName, long Start, long End);

/// <summary>
/// The series a cluster's Prometheus would hold for a set of pods: cAdvisor CPU and memory (with the pod-level
/// and pause-container series real kubelets also export) and kube-state-metrics ownership, written as
/// OpenMetrics text that promtool turns into TSDB blocks.
/// </summary>
public sealed class ClusterSeries(TimeSpan scrapeInterval)
{
    private readonly List<PodSeries> _pods = [];
    private readonly List<ReplicaSetSeries> _replicaSets = [];
    private readonly List<OomKillSeries> _kills = [];
    private readonly List<JobSeries> _jobs = [];
    private readonly List<CounterSeries> _counters = [];
    private readonly List<NodeSeries> _nodes = [];
    private readonly List<GaugeSeries> _gauges = [];
    private readonly List<MachineSeries> _machines = [];

    public long Step => (long)scrapeInterval.TotalSeconds;

    /// <summary>Whether to write the pod-level (container="") and pause-container series kubelets also export.</summary>
    public bool IncludePodLevelSeries { get; init; } = true;

    public IReadOnlyList<PodSeries> Pods => _pods;

    public IReadOnlyList<ReplicaSetSeries> ReplicaSets => _replicaSets;

    public IReadOnlyList<JobSeries> Jobs => _jobs;

    public IReadOnlyList<OomKillSeries> Kills => _kills;

    public ClusterSeries Add(PodSeries pod)
    {
        _pods.Add(pod);
        return this;
    }

    public ClusterSeries Add(ReplicaSetSeries replicaSet)
    {
        _replicaSets.Add(replicaSet);
        return this;
    }

    public ClusterSeries Add(JobSeries job)
    {
        _jobs.Add(job);
        return this;
    }

    public ClusterSeries Add(NodeSeries node)
    {
        _nodes.Add(node);
        return this;
    }

    public ClusterSeries Add(CounterSeries counter)
    {
        _counters.Add(counter);
        return this;
    }

    public ClusterSeries Add(GaugeSeries gauge)
    {
        _gauges.Add(gauge);
        return this;
    }

    public ClusterSeries Add(MachineSeries machine)
    {
        _machines.Add(machine);
        return this;
    }

    public ClusterSeries Add(OomKillSeries kill)
    {
        _kills.Add(kill);
        return this;
    }

    /// <summary>The scrape times of a span: every step from start up to and including end.</summary>
    public IEnumerable<long> Times(long start, long end)
    {
        for (var t = start; t <= end; t += Step)
        {
            yield return t;
        }
    }

    public void WriteOpenMetrics(TextWriter writer)
    {
        writer.WriteLine("# TYPE container_cpu_usage_seconds counter");
        foreach (var pod in _pods)
        {
            foreach (var container in pod.Containers)
            {
                WriteCounter(writer, "container_cpu_usage_seconds_total", CadvisorLabels(pod, container.Name), pod, container.CpuCores);
            }

            if (!IncludePodLevelSeries)
            {
                continue;
            }

            // kubelet also exports the pod's cgroup (container="") and the pause container: the profiler must ignore both.
            WriteCounter(writer, "container_cpu_usage_seconds_total", CadvisorLabels(pod, string.Empty), pod,
                t => pod.Containers.Sum(c => c.CpuCores(t)));
            WriteCounter(writer, "container_cpu_usage_seconds_total", CadvisorLabels(pod, "POD"), pod, _ => 0.001);
        }

        foreach (var machine in _machines)
        {
            WriteCumulative(writer, "container_cpu_usage_seconds_total", MachineLabels(machine), machine.Start, machine.End, machine.CpuCores);
        }

        writer.WriteLine("# TYPE container_memory_working_set_bytes gauge");
        foreach (var pod in _pods)
        {
            foreach (var container in pod.Containers)
            {
                WriteGauge(writer, "container_memory_working_set_bytes", CadvisorLabels(pod, container.Name), pod.Start, pod.End, container.MemoryBytes);
            }

            if (!IncludePodLevelSeries)
            {
                continue;
            }

            WriteGauge(writer, "container_memory_working_set_bytes", CadvisorLabels(pod, string.Empty), pod.Start, pod.End,
                t => pod.Containers.Sum(c => c.MemoryBytes(t)));
            WriteGauge(writer, "container_memory_working_set_bytes", CadvisorLabels(pod, "POD"), pod.Start, pod.End, _ => 512 * 1024);
        }

        foreach (var machine in _machines)
        {
            WriteGauge(writer, "container_memory_working_set_bytes", MachineLabels(machine), machine.Start, machine.End, machine.MemoryBytes);
        }

        foreach (var (metric, size) in new (string, Func<MachineSeries, double>)[] { ("machine_cpu_cores", m => m.Cores), ("machine_memory_bytes", m => m.Bytes) })
        {
            if (_machines.Count == 0)
            {
                break;
            }

            writer.WriteLine($"# TYPE {metric} gauge");
            foreach (var machine in _machines)
            {
                WriteGauge(writer, metric, $"instance=\"{machine.Node}\",node=\"{machine.Node}\"", machine.Start, machine.End, _ => size(machine));
            }
        }

        writer.WriteLine("# TYPE kube_pod_owner gauge");
        foreach (var pod in _pods)
        {
            var labels = $"namespace=\"{pod.Namespace}\",pod=\"{pod.Pod}\",owner_kind=\"{pod.OwnerKind}\",owner_name=\"{pod.OwnerName}\",owner_is_controller=\"true\"";
            WriteGauge(writer, "kube_pod_owner", labels, pod.Start, pod.End, _ => 1);
        }

        writer.WriteLine("# TYPE kube_replicaset_owner gauge");
        foreach (var rs in _replicaSets)
        {
            var labels = $"namespace=\"{rs.Namespace}\",replicaset=\"{rs.ReplicaSet}\",owner_kind=\"{rs.OwnerKind}\",owner_name=\"{rs.OwnerName}\",owner_is_controller=\"true\"";
            WriteGauge(writer, "kube_replicaset_owner", labels, rs.Start, rs.End, _ => 1);
        }

        writer.WriteLine("# TYPE kube_job_owner gauge");
        foreach (var job in _jobs)
        {
            var labels = $"namespace=\"{job.Namespace}\",job_name=\"{job.Job}\",owner_kind=\"{job.OwnerKind}\",owner_name=\"{job.OwnerName}\",owner_is_controller=\"true\"";
            WriteGauge(writer, "kube_job_owner", labels, job.Start, job.End, _ => 1);
        }

        // kube-state-metrics: a restart counter per container, and the last termination's reason once there was one.
        writer.WriteLine("# TYPE kube_pod_container_status_restarts counter");
        foreach (var pod in _pods)
        {
            foreach (var container in pod.Containers)
            {
                var kills = _kills.Where(k => k.Namespace == pod.Namespace && k.Pod == pod.Pod && k.Container == container.Name).Select(k => k.Timestamp).ToList();
                var labels = $"namespace=\"{pod.Namespace}\",pod=\"{pod.Pod}\",container=\"{container.Name}\"";
                WriteGauge(writer, "kube_pod_container_status_restarts_total", labels, pod.Start, pod.End, t => kills.Count(k => k <= t));
            }
        }

        writer.WriteLine("# TYPE kube_pod_container_status_last_terminated_reason gauge");
        foreach (var kill in _kills.GroupBy(k => (k.Namespace, k.Pod, k.Container)))
        {
            var pod = _pods.First(p => p.Namespace == kill.Key.Namespace && p.Pod == kill.Key.Pod);
            var labels = $"namespace=\"{pod.Namespace}\",pod=\"{pod.Pod}\",container=\"{kill.Key.Container}\",reason=\"OOMKilled\"";
            var first = kill.Min(k => k.Timestamp);
            WriteGauge(writer, "kube_pod_container_status_last_terminated_reason", labels, first, pod.End, _ => 1);
        }

        foreach (var (metric, capacity) in new[] { ("kube_node_status_capacity", true), ("kube_node_status_allocatable", false) })
        {
            if (_nodes.Count == 0)
            {
                break;
            }

            writer.WriteLine($"# TYPE {metric} gauge");
            foreach (var node in _nodes)
            {
                WriteGauge(writer, metric, $"node=\"{node.Node}\",resource=\"cpu\",unit=\"core\"", node.Start, node.End, _ => capacity ? node.CapacityCores : node.AllocatableCores);
                WriteGauge(writer, metric, $"node=\"{node.Node}\",resource=\"memory\",unit=\"byte\"", node.Start, node.End, _ => capacity ? node.CapacityBytes : node.AllocatableBytes);
            }
        }

        // One family per name, its samples together, as OpenMetrics wants. A counter family is named without its
        // _total; a _sum series (a histogram's, in a real exporter) is written as a plain gauge of the running sum.
        foreach (var family in _counters.GroupBy(c => c.Name))
        {
            writer.WriteLine(family.Key.EndsWith("_total", StringComparison.Ordinal)
                ? $"# TYPE {family.Key[..^"_total".Length]} counter"
                : $"# TYPE {family.Key} gauge");
            foreach (var counter in family)
            {
                var labels = string.Join(',', counter.Labels.Select(l => $"{l.Key}=\"{l.Value}\""));
                WriteCumulative(writer, counter.Name, labels, counter.Start, counter.End, counter.PerSecond);
            }
        }

        foreach (var family in _gauges.GroupBy(g => g.Name))
        {
            writer.WriteLine($"# TYPE {family.Key} gauge");
            foreach (var gauge in family)
            {
                WriteGauge(writer, gauge.Name, string.Join(',', gauge.Labels.Select(l => $"{l.Key}=\"{l.Value}\"")), gauge.Start, gauge.End, gauge.Value);
            }
        }

        writer.WriteLine("# EOF");
    }

    /// <summary>Writes the OpenMetrics file and returns its path.</summary>
    public async Task<string> WriteOpenMetricsFileAsync(string path)
    {
        await using (var writer = new StreamWriter(path))
        {
            WriteOpenMetrics(writer);
        }

        return path;
    }

    private static string CadvisorLabels(PodSeries pod, string container) =>
        $"namespace=\"{pod.Namespace}\",pod=\"{pod.Pod}\",container=\"{container}\",id=\"/kubepods/{pod.Pod}/{container}\"";

    private static string MachineLabels(MachineSeries machine) => $"id=\"/\",instance=\"{machine.Node}\",node=\"{machine.Node}\"";

    private void WriteCounter(TextWriter writer, string name, string labels, PodSeries pod, Func<long, double> rate) =>
        WriteCumulative(writer, name, labels, pod.Start, pod.End, rate);

    private void WriteCumulative(TextWriter writer, string name, string labels, long start, long end, Func<long, double> rate)
    {
        // The counter grows by rate x elapsed time between scrapes, as CPU seconds do.
        var total = 0.0;
        var previous = start;
        foreach (var t in Times(start, end))
        {
            total += rate(t) * (t - previous);
            previous = t;
            writer.Write(name);
            writer.Write('{');
            writer.Write(labels);
            writer.Write("} ");
            writer.Write(total.ToString("R", CultureInfo.InvariantCulture));
            writer.Write(' ');
            writer.WriteLine(t.ToString(CultureInfo.InvariantCulture));
        }
    }

    private void WriteGauge(TextWriter writer, string name, string labels, long start, long end, Func<long, double> value)
    {
        foreach (var t in Times(start, end))
        {
            writer.Write(name);
            writer.Write('{');
            writer.Write(labels);
            writer.Write("} ");
            writer.Write(value(t).ToString("R", CultureInfo.InvariantCulture));
            writer.Write(' ');
            writer.WriteLine(t.ToString(CultureInfo.InvariantCulture));
        }
    }
}
