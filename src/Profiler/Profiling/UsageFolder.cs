using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Usage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Profiling;

/// <summary>
/// A chunk of usage as read from Prometheus: the window, the owners seen in it (when asked for), usage and OOM kills.
/// Memory is read from one step before the window, so that its first reading has the one before it.
/// </summary>
public sealed record UsageChunk(TimeWindow Window, Ownership Owners, IReadOnlyList<ContainerUsage> Cpu, IReadOnlyList<ContainerUsage> Memory, IReadOnlyList<OomKill> Kills)
{
    public long Samples => Cpu.Sum(c => c.Samples.Count) + Memory.Sum(c => c.Samples.Count);
}

/// <summary>A chunk turned into each workload's usage events, what could not be attributed, and what was not learned from (by reason).</summary>
public sealed record FoldedChunk(
    IReadOnlyDictionary<WorkloadRef, WorkloadUsage> Events, IReadOnlyCollection<ContainerKey> Unowned, long Samples, int OomKills,
    IReadOnlyDictionary<string, long> Rejected);

/// <summary>
/// One workload's usage in a chunk: the series of its pods' containers, as read. Enumerating it yields their events
/// in fold order (time, then CPU before memory before kills, then the order the series were added in), merged as
/// they are read: the chunk's samples are not copied into one big list.
/// </summary>
public sealed class WorkloadUsage : IEnumerable<UsageEvent>
{
    private readonly List<(string Container, UsageKind Kind, IReadOnlyList<Sample> Samples)> _series = [];

    public int Count { get; private set; }

    public void Add(string container, UsageKind kind, IReadOnlyList<Sample> samples)
    {
        _series.Add((container, kind, samples));
        Count += samples.Count;
    }

    public IEnumerator<UsageEvent> GetEnumerator()
    {
        // A k-way merge: each series is in time order; ties go by kind, then by the series' place.
        var next = new int[_series.Count];
        var queue = new PriorityQueue<int, (long Timestamp, UsageKind Kind, int Series)>(_series.Count);
        for (var i = 0; i < _series.Count; i++)
        {
            if (_series[i].Samples.Count > 0)
            {
                queue.Enqueue(i, (_series[i].Samples[0].Timestamp, _series[i].Kind, i));
            }
        }

        while (queue.TryDequeue(out var i, out _))
        {
            var (container, kind, samples) = _series[i];
            var sample = samples[next[i]++];
            yield return new UsageEvent(sample.Timestamp, container, kind, sample.Value);
            if (next[i] < samples.Count)
            {
                queue.Enqueue(i, (samples[next[i]].Timestamp, kind, i));
            }
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// Turns chunks of usage into workloads' events: pods are mapped to their workload (through what kube-state-metrics
/// says of their owners, remembered across chunks), each container's samples that pass <see cref="UsageSanity"/>
/// become events of its workload's container name, and OOM kills carry the memory in use. Pure: no I/O, no clock.
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

    /// <summary>Folds a chunk read at <paramref name="step"/>, learning only from readings within <paramref name="bounds"/>.</summary>
    public FoldedChunk Fold(UsageChunk chunk, NodeBounds bounds, long step)
    {
        var seen = chunk.Window.End.ToUnixTimeSeconds();
        var from = chunk.Window.Start.ToUnixTimeSeconds();
        _owners.Learn(chunk.Owners, seen);
        var events = new Dictionary<WorkloadRef, WorkloadUsage>();
        var unowned = new HashSet<ContainerKey>();
        var rejected = new Dictionary<string, long>(StringComparer.Ordinal);
        Collect(chunk.Cpu, UsageKind.Cpu);
        Collect(chunk.Memory, UsageKind.Memory);
        var kills = 0;
        foreach (var kill in chunk.Kills)
        {
            if (_owners.WorkloadOf(kill.Container.Namespace, kill.Container.Pod) is { } workload
                && UsageSanity.Clean([new Sample(kill.Timestamp, kill.MemoryBytes)], UsageKind.OomKill, bounds, rejected) is [var confirmed])
            {
                Events(workload).Add(kill.Container.Container, UsageKind.OomKill, [confirmed]);
                kills++;
            }
        }

        return new FoldedChunk(events, unowned, chunk.Samples, kills, rejected);

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

                var samples = UsageSanity.Clean(usage.Samples, kind, bounds, rejected);
                Events(workload).Add(usage.Container.Container, kind, kind == UsageKind.Memory ? UsageSanity.Confirmed(samples, from, step) : samples);
            }
        }

        WorkloadUsage Events(WorkloadRef workload)
        {
            if (!events.TryGetValue(workload, out var usage))
            {
                events[workload] = usage = new WorkloadUsage();
            }

            return usage;
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
