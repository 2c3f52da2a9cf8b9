using Resorcerer.Profiler.Model;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Connections;

/// <summary>
/// Turns mesh traffic series into each workload's connection profile. Pure: the same series always give the
/// same profiles. Both ends of an edge in the profiled namespaces get it, the sender as outbound and the receiver
/// as inbound; a peer outside them is still named.
/// </summary>
public static class ConnectionGraph
{
    /// <summary>
    /// The connection profile of every profiled workload that has traffic.
    /// </summary>
    /// <param name="series">Per-second rates at each step of the window.</param>
    /// <param name="window">The window the rates were read over; its steps that have no value count as silent.</param>
    /// <param name="step">The step between values.</param>
    /// <param name="profiled">Whether a workload is one resorcerer profiles (its namespace is profiled).</param>
    /// <param name="kindOf">The kind of a workload a mesh names without one (namespace, name), or null when unknown.</param>
    public static IReadOnlyDictionary<WorkloadRef, ConnectionProfile> Build(
        IEnumerable<TrafficSeries> series, TimeWindow window, TimeSpan step, Func<WorkloadRef, bool> profiled, Func<string, string, string?> kindOf)
    {
        var stepSeconds = Math.Max(1, (long)step.TotalSeconds);
        var start = window.Start.ToUnixTimeSeconds();
        var steps = (int)((window.End.ToUnixTimeSeconds() - start) / stepSeconds) + 1;
        var edges = new Dictionary<(WorkloadRef Source, WorkloadRef Destination, string Mesh), EdgeTimeline>();
        foreach (var s in series)
        {
            var key = (Resolve(s.Source, kindOf), Resolve(s.Destination, kindOf), s.Mesh);
            if (!edges.TryGetValue(key, out var timeline))
            {
                edges[key] = timeline = new EdgeTimeline(steps);
            }

            foreach (var sample in s.Samples)
            {
                var index = (sample.Timestamp - start) / stepSeconds;
                if (index >= 0 && index < steps && double.IsFinite(sample.Value))
                {
                    timeline.Add(s.Kind, (int)index, sample.Value);
                }
            }
        }

        var outbound = new Dictionary<WorkloadRef, List<ConnectionEdge>>();
        var inbound = new Dictionary<WorkloadRef, List<ConnectionEdge>>();
        foreach (var ((source, destination, mesh), timeline) in edges)
        {
            if (!timeline.HasTraffic)
            {
                continue;
            }

            // One set of numbers, seen from either end.
            var edge = timeline.Edge(destination, mesh);
            if (profiled(source))
            {
                Add(outbound, source, edge);
            }

            if (profiled(destination))
            {
                Add(inbound, destination, edge with { Peer = source });
            }
        }

        return outbound.Keys.Union(inbound.Keys).ToDictionary(
            workload => workload,
            workload => new ConnectionProfile(window.Start, window.End, Sorted(outbound, workload), Sorted(inbound, workload)));
    }

    private static WorkloadRef Resolve(WorkloadRef workload, Func<string, string, string?> kindOf) =>
        workload.Kind == WorkloadKinds.Workload && kindOf(workload.Namespace, workload.Name) is { } kind ? workload with { Kind = kind } : workload;

    private static void Add(Dictionary<WorkloadRef, List<ConnectionEdge>> edges, WorkloadRef workload, ConnectionEdge edge)
    {
        if (!edges.TryGetValue(workload, out var list))
        {
            edges[workload] = list = [];
        }

        list.Add(edge);
    }

    private static IReadOnlyList<ConnectionEdge> Sorted(Dictionary<WorkloadRef, List<ConnectionEdge>> edges, WorkloadRef workload) =>
        edges.TryGetValue(workload, out var list) ? [.. list.Order(ConnectionEdge.Heaviest)] : [];

    /// <summary>One edge's rates, step by step.</summary>
    private sealed class EdgeTimeline(int steps)
    {
        private readonly double[] _requests = new double[steps];
        private readonly double[] _responses = new double[steps];
        private readonly double[] _bytes = new double[steps];
        private double _failed;
        private double _classified;

        public bool HasTraffic => _requests.Any(v => v > 0) || _responses.Any(v => v > 0) || _bytes.Any(v => v > 0);

        public void Add(TrafficKind kind, int index, double perSecond)
        {
            switch (kind)
            {
                case TrafficKind.Requests:
                    _requests[index] += perSecond;
                    break;
                case TrafficKind.Responses:
                    _responses[index] += perSecond;
                    _classified += perSecond;
                    break;
                case TrafficKind.UnclassifiedResponses:
                    _responses[index] += perSecond;
                    break;
                case TrafficKind.FailedResponses:
                    _failed += perSecond;
                    break;
                case TrafficKind.Bytes:
                    _bytes[index] += perSecond;
                    break;
            }
        }

        public ConnectionEdge Edge(WorkloadRef peer, string mesh)
        {
            // Requests plus responses per minute, step by step.
            var messages = new double[_requests.Length];
            for (var i = 0; i < messages.Length; i++)
            {
                messages[i] = (_requests[i] + _responses[i]) * 60;
            }

            return new ConnectionEdge(
                peer,
                mesh,
                Round(messages.Average()),
                Round(Percentile95(messages)),
                Round(_bytes.Average()),
                Round(Percentile95(_bytes)),
                _classified > 0 ? Math.Round(Math.Min(1, _failed / _classified), 4) : null);
        }

        /// <summary>Nearest rank: the smallest value at or above 95% of the steps.</summary>
        private static double Percentile95(double[] values)
        {
            var sorted = values.Order().ToArray();
            return sorted[Math.Max(0, (int)Math.Ceiling(0.95 * sorted.Length) - 1)];
        }

        private static double Round(double value) => Math.Round(value, 3);
    }
}
