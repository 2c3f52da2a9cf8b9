using Resorcerer.PrometheusApi;

namespace Resorcerer.Profiler.Report;

/// <summary>
/// What the running pods of some namespaces ask for, from kube-state-metrics: two queries (requests, limits)
/// whatever the number of pods, each kept to pods whose phase is Running.
/// </summary>
public sealed class RunningResources(PrometheusClient prometheus)
{
    public async Task<IReadOnlyList<RunningContainer>> ReadAsync(IReadOnlyList<string> namespaces, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (namespaces.Count == 0)
        {
            return [];
        }

        var selector = $"namespace=~\"{string.Join('|', namespaces)}\"";
        string Query(string metric) =>
            $"max by (namespace, pod, container, resource) ({metric}{{{selector},resource=~\"cpu|memory\"}}) " +
            $"and on (namespace, pod) (max by (namespace, pod) (kube_pod_status_phase{{{selector},phase=\"Running\"}}) == 1)";
        var answers = await Task.WhenAll(
            prometheus.QueryAsync(Query("kube_pod_container_resource_requests"), at, cancellationToken),
            prometheus.QueryAsync(Query("kube_pod_container_resource_limits"), at, cancellationToken));

        var containers = new Dictionary<(string Namespace, string Pod, string Container), long?[]>();
        for (var kind = 0; kind < 2; kind++)
        {
            foreach (var series in answers[kind].Where(s => s.Samples.Count > 0))
            {
                var key = (series.Label("namespace"), series.Label("pod"), series.Label("container"));
                if (!containers.TryGetValue(key, out var values))
                {
                    containers[key] = values = new long?[4];
                }

                var value = series.Samples[^1].Value;
                var cpu = series.Label("resource") == "cpu";
                values[kind * 2 + (cpu ? 0 : 1)] = cpu ? (long)Math.Round(value * 1000) : (long)Math.Round(value);
            }
        }

        return containers
            .OrderBy(c => string.Join('/', c.Key.Namespace, c.Key.Pod, c.Key.Container), StringComparer.Ordinal)
            .Select(c => new RunningContainer(c.Key.Namespace, c.Key.Pod, c.Key.Container, c.Value[0], c.Value[1], c.Value[2], c.Value[3]))
            .ToList();
    }
}
