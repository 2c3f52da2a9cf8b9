using Resorcerer.DevKit;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Usage;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>
/// The usage port answered from generated series instead of a Prometheus, with the same rules as the PromQL it
/// stands for: points at whole steps from the window's start to its end, owners of the pods alive in the window, and
/// one point per OOM kill at the first step after it, valued at the container's highest memory in the ten minutes
/// before. For tests that run thousands of cycles, where a real server would take minutes; the PromQL itself is
/// tested against a real Prometheus.
/// </summary>
public sealed class SeriesUsageSource(ClusterSeries series) : IUsageSource
{
    private long _queries;

    public long QueriesSent => _queries;

    public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Nothing is said of nodes: the fallback bounds stand, as without kube-state-metrics' node series.</summary>
    public Task<NodeBounds> ReadNodeBoundsAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        _queries++;
        return Task.FromResult(NodeBounds.Fallback);
    }

    public Task<Ownership> ReadOwnershipAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken)
    {
        _queries += 3;
        var (from, to) = (window.Start.ToUnixTimeSeconds(), window.End.ToUnixTimeSeconds());
        var pods = series.Pods.Where(p => namespaces.Contains(p.Namespace) && p.Start <= to && p.End >= from)
            .Select(p => new PodOwner(p.Namespace, p.Pod, p.OwnerKind, p.OwnerName)).ToList();
        var replicaSets = series.ReplicaSets.Where(r => namespaces.Contains(r.Namespace) && r.Start <= to && r.End >= from)
            .Select(r => new ControllerOwner(r.Namespace, "ReplicaSet", r.ReplicaSet, r.OwnerKind, r.OwnerName)).ToList();
        return Task.FromResult(new Ownership(pods, replicaSets));
    }

    public Task<IReadOnlyList<ContainerUsage>> ReadUsageAsync(
        UsageResource resource, IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken)
    {
        _queries++;
        var usage = new List<ContainerUsage>();
        foreach (var pod in series.Pods.Where(p => namespaces.Contains(p.Namespace)))
        {
            foreach (var container in pod.Containers)
            {
                var samples = Points(window).Where(t => t >= pod.Start && t <= pod.End)
                    .Select(t => new Sample(t, resource == UsageResource.Cpu ? container.CpuCores(t) : container.MemoryBytes(t)))
                    .ToList();
                if (samples.Count > 0)
                {
                    usage.Add(new ContainerUsage(new ContainerKey(pod.Namespace, pod.Pod, container.Name), samples));
                }
            }
        }

        return Task.FromResult<IReadOnlyList<ContainerUsage>>(usage);
    }

    public Task<IReadOnlyList<OomKill>> ReadOomKillsAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken)
    {
        _queries++;
        var step = series.Step;
        var kills = new List<OomKill>();
        foreach (var kill in series.Kills.Where(k => namespaces.Contains(k.Namespace)))
        {
            var point = (kill.Timestamp + step - 1) / step * step;
            var pod = series.Pods.Single(p => p.Namespace == kill.Namespace && p.Pod == kill.Pod);
            var memory = pod.Containers.Single(c => c.Name == kill.Container).MemoryBytes;
            if (point >= window.Start.ToUnixTimeSeconds() && point <= window.End.ToUnixTimeSeconds())
            {
                var peak = Enumerable.Range(0, (int)(600 / step) + 1).Select(i => point - i * step).Where(t => t >= pod.Start).Max(memory);
                kills.Add(new OomKill(new ContainerKey(kill.Namespace, kill.Pod, kill.Container), point, peak));
            }
        }

        return Task.FromResult<IReadOnlyList<OomKill>>(kills);
    }

    private IEnumerable<long> Points(TimeWindow window)
    {
        var step = series.Step;
        for (var t = (window.Start.ToUnixTimeSeconds() + step - 1) / step * step; t <= window.End.ToUnixTimeSeconds(); t += step)
        {
            yield return t;
        }
    }
}
