using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiles;
using Resorcerer.PrometheusApi;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Connections;

/// <summary>
/// Every workload's connections from the last good read of the service-mesh traffic. A failed read keeps the last
/// good one; a cluster without a mesh is said once in the log (and again only when that changes).
/// </summary>
public sealed class ConnectionTracker(IConnectionSource source, IOptions<ProfilerOptions> options, ProfilerMetrics metrics, ILogger logger)
{
    private IReadOnlyDictionary<WorkloadRef, ConnectionProfile> _connections = new Dictionary<WorkloadRef, ConnectionProfile>();
    private bool? _meshSeen;

    public ConnectionProfile? For(WorkloadRef workload) => _connections.GetValueOrDefault(workload);

    /// <summary>
    /// Reads the traffic of the last <c>--connection-window</c> up to <paramref name="end"/>. <paramref name="kindOf"/>
    /// names the kind of a workload known by namespace and name (Istio does not say it), or null.
    /// </summary>
    public async Task RefreshAsync(IReadOnlyList<string> namespaces, long end, Func<string, string, string?> kindOf, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.ConnectionWindow.Value == TimeSpan.Zero)
        {
            return;
        }

        var window = new TimeWindow(DateTimeOffset.FromUnixTimeSeconds(end) - settings.ConnectionWindow.Value, DateTimeOffset.FromUnixTimeSeconds(end));
        IReadOnlyList<TrafficSeries> traffic;
        try
        {
            traffic = await source.ReadTrafficAsync(namespaces, window, settings.Step.Value, cancellationToken);
        }
        catch (PrometheusException e)
        {
            metrics.RecordError("prometheus");
            logger.LogWarning("Reading service-mesh traffic failed: {Error}. Connections stay as last read", e.Message);
            return;
        }

        var profiled = namespaces.ToHashSet(StringComparer.Ordinal);
        _connections = ConnectionGraph.Build(traffic, window, settings.Step.Value, workload => profiled.Contains(workload.Namespace), kindOf);
        metrics.RecordConnections(_connections.Values.Sum(c => c.Outbound.Count));

        var seen = traffic.Count > 0;
        if (seen != _meshSeen)
        {
            if (seen)
            {
                logger.LogInformation("Service-mesh traffic found ({Meshes}): {Workloads} workload(s) have connections",
                    string.Join(", ", traffic.Select(t => t.Mesh).Distinct().Order()), _connections.Count);
            }
            else
            {
                logger.LogInformation("No Linkerd or Istio traffic metrics for [{Namespaces}]: profiles carry no connections (is a mesh installed, and are its proxies scraped?)",
                    string.Join(", ", namespaces));
            }

            _meshSeen = seen;
        }
    }
}
