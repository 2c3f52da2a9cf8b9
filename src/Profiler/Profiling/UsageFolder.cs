using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Profiling;

/// <summary>A chunk of usage as read from Prometheus: the window, the owners seen in it (when asked for), usage and OOM kills.</summary>
public sealed record UsageChunk(TimeWindow Window, Ownership Owners, IReadOnlyList<ContainerUsage> Cpu, IReadOnlyList<ContainerUsage> Memory, IReadOnlyList<OomKill> Kills)
{
    public long Samples => Cpu.Sum(c => c.Samples.Count) + Memory.Sum(c => c.Samples.Count);
}

/// <summary>A chunk turned into each workload's usage events (in fold order), and what could not be attributed.</summary>
public sealed record FoldedChunk(IReadOnlyDictionary<WorkloadRef, IReadOnlyList<UsageEvent>> Events, IReadOnlyCollection<ContainerKey> Unowned, long Samples, int OomKills);

/// <summary>
/// Turns chunks of usage into workloads' events: pods are mapped to their workload (through what kube-state-metrics
/// says of their owners, remembered across chunks), each container's samples become events of its workload's
/// container name, and OOM kills carry the memory in use. Pure: no I/O, no clock.
/// </summary>
public sealed class UsageFolder
{
    private readonly OwnershipResolver _owners = new();
    private readonly Dictionary<(string Namespace, string Pod), long> _unowned = [];

    /// <summary>Pods whose workload is known.</summary>
    public int PodCount => _owners.PodCount;

    /// <summary>Whether the pod is known: mapped to a workload, or known to have no controller.</summary>
    public bool Knows(ContainerKey container) =>
        _owners.WorkloadOf(container.Namespace, container.Pod) is not null || _unowned.ContainsKey((container.Namespace, container.Pod));

    public FoldedChunk Fold(UsageChunk chunk)
    {
        var seen = chunk.Window.End.ToUnixTimeSeconds();
        _owners.Learn(chunk.Owners, seen);
        var events = new Dictionary<WorkloadRef, List<UsageEvent>>();
        var unowned = new HashSet<ContainerKey>();
        Collect(chunk.Cpu, UsageKind.Cpu);
        Collect(chunk.Memory, UsageKind.Memory);
        var kills = 0;
        foreach (var kill in chunk.Kills)
        {
            if (_owners.WorkloadOf(kill.Container.Namespace, kill.Container.Pod) is { } workload)
            {
                Events(workload).Add(UsageEvent.OomKill(kill.Timestamp, kill.Container.Container, kill.MemoryBytes));
                kills++;
            }
        }

        return new FoldedChunk(
            events.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<UsageEvent>)UsageEvent.InFoldOrder(pair.Value)),
            unowned, chunk.Samples, kills);

        void Collect(IReadOnlyList<ContainerUsage> series, UsageKind kind)
        {
            foreach (var usage in series)
            {
                if (_owners.WorkloadOf(usage.Container.Namespace, usage.Container.Pod) is not { } workload)
                {
                    unowned.Add(usage.Container);
                    if (chunk.Owners.Pods.Count > 0)
                    {
                        // Ownership was read and still names no controller: a bare pod. Do not ask again for it.
                        _unowned[(usage.Container.Namespace, usage.Container.Pod)] = seen;
                    }

                    continue;
                }

                var list = Events(workload);
                foreach (var sample in usage.Samples)
                {
                    list.Add(new UsageEvent(sample.Timestamp, usage.Container.Container, kind, sample.Value));
                }
            }
        }

        List<UsageEvent> Events(WorkloadRef workload)
        {
            if (!events.TryGetValue(workload, out var list))
            {
                events[workload] = list = [];
            }

            return list;
        }
    }

    /// <summary>Forgets pods last seen before <paramref name="before"/>.</summary>
    public void Forget(long before)
    {
        _owners.Forget(before);
        foreach (var pod in _unowned.Where(p => p.Value < before).Select(p => p.Key).ToList())
        {
            _unowned.Remove(pod);
        }
    }
}
