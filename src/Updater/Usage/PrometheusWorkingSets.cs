using System.Text.RegularExpressions;
using Resorcerer.PrometheusApi;

namespace Resorcerer.Updater.Usage;

/// <summary>
/// Working sets from cAdvisor's <c>container_memory_working_set_bytes</c>: one instant query per pass for all the
/// namespaces, the highest reading of the last two minutes per container (a reading between scrapes is not missed).
/// </summary>
public sealed class PrometheusWorkingSets(PrometheusClient prometheus, TimeProvider time) : IWorkingSetSource
{
    public bool Available => true;

    public async Task<IReadOnlyDictionary<PodName, IReadOnlyDictionary<string, double>>> ReadAsync(IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken)
    {
        var result = new Dictionary<PodName, IReadOnlyDictionary<string, double>>();
        if (namespaces.Count == 0)
        {
            return result;
        }

        var selector = string.Join('|', namespaces.Order(StringComparer.Ordinal).Select(Regex.Escape));
        var query = $"max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{{container!=\"\", container!=\"POD\", namespace=~\"{selector}\"}}[2m]))";
        foreach (var series in await prometheus.QueryAsync(query, time.GetUtcNow(), cancellationToken))
        {
            var value = series.Samples.Count == 0 ? double.NaN : series.Samples[^1].Value;
            if (!double.IsFinite(value) || value < 0)
            {
                continue; // no reading, or NaN, negative or infinite: not a working set
            }

            var pod = new PodName(series.Label("namespace"), series.Label("pod"));
            var containers = (Dictionary<string, double>)(result.TryGetValue(pod, out var known) ? known : result[pod] = new Dictionary<string, double>(StringComparer.Ordinal));
            containers[series.Label("container")] = value;
        }

        return result;
    }
}
