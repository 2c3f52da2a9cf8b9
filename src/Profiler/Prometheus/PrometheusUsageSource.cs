using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Profiler.Model;
using Resorcerer.PrometheusApi;
using Resorcerer.Usage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Prometheus;

/// <summary>
/// Reads cAdvisor usage and kube-state-metrics ownership with a fixed number of aggregate queries
/// per cycle (one per metric and time chunk), never one per workload.
/// </summary>
public sealed class PrometheusUsageSource(PrometheusClient prometheus, IOptions<ProfilerOptions> options) : IUsageSource
{
    // A day per query at most keeps each answer's size in check whatever the step.
    private static readonly TimeSpan MaxChunk = TimeSpan.FromDays(1);

    public long QueriesSent => prometheus.QueriesSent;

    public Task PingAsync(CancellationToken cancellationToken) => prometheus.QueryAsync("vector(1)", DateTimeOffset.UtcNow, cancellationToken);

    /// <summary>One instant query: the largest node's capacity and allocatable CPU and memory, from kube-state-metrics.</summary>
    public async Task<NodeBounds> ReadNodeBoundsAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var answer = await prometheus.QueryAsync(
            "max by (__name__, resource) ({__name__=~\"kube_node_status_capacity|kube_node_status_allocatable\",resource=~\"cpu|memory\"})",
            at, cancellationToken);
        double? Value(string metric, string resource) =>
            answer.FirstOrDefault(s => s.Label("__name__") == metric && s.Label("resource") == resource)?.Samples is [var sample, ..]
            && double.IsFinite(sample.Value) && sample.Value > 0 ? sample.Value : null;
        return new NodeBounds(
            Value("kube_node_status_capacity", "cpu"), Value("kube_node_status_capacity", "memory"),
            Value("kube_node_status_allocatable", "cpu"), Value("kube_node_status_allocatable", "memory"));
    }

    public async Task<Ownership> ReadOwnershipAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken)
    {
        var lookback = Duration.FromSeconds(Math.Max(60, window.Length.TotalSeconds)).ToString();
        var selector = NamespaceSelector(namespaces);
        var pods = await prometheus.QueryAsync(
            $"max by (namespace, pod, owner_kind, owner_name) (last_over_time(kube_pod_owner{{{selector}}}[{lookback}]))",
            window.End, cancellationToken);
        var jobs = await prometheus.QueryAsync(
            $"max by (namespace, job_name, owner_kind, owner_name) (last_over_time(kube_job_owner{{{selector}}}[{lookback}]))",
            window.End, cancellationToken);
        var replicaSets = await prometheus.QueryAsync(
            $"max by (namespace, replicaset, owner_kind, owner_name) (last_over_time(kube_replicaset_owner{{{selector}}}[{lookback}]))",
            window.End, cancellationToken);

        return new Ownership(
            pods.Select(s => new PodOwner(s.Label("namespace"), s.Label("pod"), s.Label("owner_kind"), s.Label("owner_name")))
                .Where(p => p.Pod.Length > 0)
                .ToList(),
            replicaSets.Select(s => new ControllerOwner(s.Label("namespace"), WorkloadKinds.ReplicaSet, s.Label("replicaset"), s.Label("owner_kind"), s.Label("owner_name")))
                .Concat(jobs.Select(s => new ControllerOwner(s.Label("namespace"), WorkloadKinds.Job, s.Label("job_name"), s.Label("owner_kind"), s.Label("owner_name"))))
                .Where(r => r.Name.Length > 0)
                .ToList());
    }

    public async Task<IReadOnlyList<ContainerUsage>> ReadUsageAsync(
        UsageResource resource, IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken) =>
        await ReadRangeAsync(selector => UsageQuery(resource, selector), namespaces, window, options.Value.Step, cancellationToken);

    /// <summary>
    /// One workload's usage at <paramref name="step"/>: the pods of its namespace whose names start with the workload's
    /// name and a dash (what its controller names them), in the same time chunks as the profiler's reads. The caller
    /// keeps the pods its ownership says are the workload's: a longer name with the same start is another workload.
    /// </summary>
    public async Task<IReadOnlyList<ContainerUsage>> ReadWorkloadUsageAsync(
        UsageResource resource, WorkloadRef workload, TimeWindow window, Duration step, CancellationToken cancellationToken) =>
        await ReadRangeAsync(selector => UsageQuery(resource, $"{selector},pod=~\"{workload.Name.Replace(".", "\\\\.", StringComparison.Ordinal)}-.+\""),
            [workload.Namespace], window, step, cancellationToken);

    public async Task<IReadOnlyList<OomKill>> ReadOomKillsAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken)
    {
        var points = await ReadRangeAsync(selector => OomQuery(selector, options.Value.Step), namespaces, window, options.Value.Step, cancellationToken);
        var kills = points.SelectMany(series => series.Samples.Select(point => (series.Container, point.Timestamp))).ToList();
        if (kills.Count == 0)
        {
            return [];
        }

        // The memory in use at each kill, in one more query over the killed pods only: cheap, where a max_over_time
        // over every container of the namespaces at every step would not be.
        var killed = kills.Select(k => k.Container).Distinct().ToList();
        var memory = (await ReadRangeAsync(selector => MemoryBeforeQuery(selector, killed.Select(c => c.Pod)),
                [.. killed.Select(c => c.Namespace).Distinct()], window, options.Value.Step, cancellationToken))
            .SelectMany(series => series.Samples.Select(point => (Key: (series.Container, point.Timestamp), point.Value)))
            .ToDictionary(p => p.Key, p => p.Value);
        return [.. from kill in kills
                where memory.ContainsKey(kill)
                select new OomKill(kill.Container, kill.Timestamp, memory[kill])];
    }

    /// <summary>
    /// One point per OOM kill: at the first step whose restart count is above the step before it, while the last
    /// termination's reason is OOMKilled (kube-state-metrics keeps it until the next termination). Every point stands
    /// on its own, so a kill is found once, at the same time, whichever chunks the window is read in.
    /// </summary>
    public static string OomQuery(string namespaceSelector, Duration step)
    {
        const string By = "max by (namespace, pod, container)";
        var restarts = $"kube_pod_container_status_restarts_total{{{namespaceSelector}}}";
        return $"(({By} ({restarts}) - {By} ({restarts} offset {step})) > 0) " +
            $"and on (namespace, pod, container) ({By} (kube_pod_container_status_last_terminated_reason{{{namespaceSelector},reason=\"OOMKilled\"}}) == 1)";
    }

    /// <summary>The highest working set in the ten minutes up to each step, of the given pods' containers.</summary>
    public static string MemoryBeforeQuery(string namespaceSelector, IEnumerable<string> pods)
    {
        var names = string.Join('|', pods.Distinct().Order(StringComparer.Ordinal).Select(p => Regex.Escape(p).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)));
        return $"max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{{{namespaceSelector},pod=~\"{names}\",container!=\"\",container!=\"POD\"}}[10m]))";
    }

    /// <summary>
    /// A range query over the namespaces, in time chunks of at most a day and <c>--max-points-per-query</c> points.
    /// When Prometheus finds an answer too large, the namespaces are split in halves, and a single namespace's
    /// window in halves, until the parts fit: the number of queries grows only as far as the data demands.
    /// </summary>
    private async Task<IReadOnlyList<ContainerUsage>> ReadRangeAsync(
        Func<string, string> query, IReadOnlyList<string> namespaces, TimeWindow window, Duration every, CancellationToken cancellationToken)
    {
        var step = every.Value;
        var stepSeconds = (long)step.TotalSeconds;
        var chunk = (long)Math.Min(MaxChunk.TotalSeconds, step.TotalSeconds * options.Value.MaxPointsPerQuery);
        var merged = new Dictionary<ContainerKey, List<Sample>>();

        // Align to the step so that chunks meet without overlap or gap.
        var end = window.End.ToUnixTimeSeconds();
        for (var start = window.Start.ToUnixTimeSeconds() / stepSeconds * stepSeconds; start <= end; start += chunk)
        {
            await QueryAsync(namespaces, start, Math.Min(start + chunk - stepSeconds, end));
        }

        return merged.Select(pair => new ContainerUsage(pair.Key, pair.Value.OrderBy(s => s.Timestamp).ToList())).ToList();

        async Task QueryAsync(IReadOnlyList<string> part, long from, long to)
        {
            IReadOnlyList<PromSeries> answer;
            try
            {
                answer = await prometheus.QueryRangeAsync(query(NamespaceSelector(part)),
                    DateTimeOffset.FromUnixTimeSeconds(from), DateTimeOffset.FromUnixTimeSeconds(to), step, cancellationToken);
            }
            catch (PrometheusQueryTooLargeException) when (part.Count > 1)
            {
                await QueryAsync([.. part.Take(part.Count / 2)], from, to);
                await QueryAsync([.. part.Skip(part.Count / 2)], from, to);
                return;
            }
            catch (PrometheusQueryTooLargeException) when (to - from >= 2 * stepSeconds)
            {
                var middle = from + (to - from) / 2 / stepSeconds * stepSeconds;
                await QueryAsync(part, from, middle);
                await QueryAsync(part, middle + stepSeconds, to);
                return;
            }
            catch (PrometheusQueryTooLargeException e) when (!e.Message.Contains("even for one step", StringComparison.Ordinal))
            {
                throw new PrometheusQueryTooLargeException(
                    $"{e.Message}, even for one step of namespace {part[0]}: the answer cannot be split further; raise --max-samples-per-answer if the profiler has the memory for it");
            }

            foreach (var series in answer)
            {
                var key = new ContainerKey(series.Label("namespace"), series.Label("pod"), series.Label("container"));
                if (!merged.TryGetValue(key, out var samples))
                {
                    merged[key] = samples = [];
                }

                samples.AddRange(series.Samples);
            }
        }
    }

    /// <summary>The PromQL for one resource: per pod and container, cAdvisor's duplicate series folded together.</summary>
    public static string UsageQuery(UsageResource resource, string namespaceSelector) => resource switch
    {
        UsageResource.Cpu =>
            $"sum by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{{{namespaceSelector},container!=\"\",container!=\"POD\"}}[5m]))",
        UsageResource.Memory =>
            $"max by (namespace, pod, container) (container_memory_working_set_bytes{{{namespaceSelector},container!=\"\",container!=\"POD\"}})",
        _ => throw new ArgumentOutOfRangeException(nameof(resource)),
    };

    /// <summary>A label matcher for the namespaces; names are validated DNS labels, so they need no escaping.</summary>
    public static string NamespaceSelector(IReadOnlyList<string> namespaces) =>
        $"namespace=~\"{string.Join('|', namespaces)}\"";

}
