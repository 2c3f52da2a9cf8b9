using System.Diagnostics;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Profiling;

/// <summary>What one cycle did, for logs, metrics and the caller of <c>--once</c>.</summary>
public sealed record CycleReport(
    IReadOnlyList<string> Namespaces,
    int Pods,
    IReadOnlyList<WorkloadProfile> Written,
    IReadOnlyList<WorkloadRef> KeptForThinData,
    int UnownedContainers,
    int OomKills,
    long SamplesRead,
    TimeSpan Duration);

/// <summary>
/// One profiling cycle: find the namespaces, read ownership and usage for the history window, build a
/// profile per workload and write the ones with enough data. A workload with too little data is left
/// as it is in the store.
/// </summary>
public sealed class ProfilingCycle(
    INamespaceSource namespaces,
    IUsageSource usage,
    IProfileStore store,
    IRecommendationStrategy strategy,
    TimeProvider time,
    IOptions<ProfilerOptions> options,
    ProfilerMetrics metrics,
    ILogger<ProfilingCycle> logger)
{
    public async Task<CycleReport> RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var settings = options.Value;

        // Fail before the expensive reads when the profiles could not be written anyway.
        await store.PingAsync(cancellationToken);

        var namespaceList = await namespaces.GetNamespacesAsync(cancellationToken);
        if (namespaceList.Count == 0)
        {
            logger.LogWarning("No namespace to profile: label one with {Label} or pass --namespaces", ResorcererKeys.EnabledNamespaceSelector);
            return new CycleReport(namespaceList, 0, [], [], 0, 0, 0, stopwatch.Elapsed);
        }

        var now = time.GetUtcNow();
        var window = new TimeWindow(now - settings.History.Value, now);
        logger.LogInformation("Profiling {Count} namespace(s) [{Namespaces}] over {From:u} .. {To:u}",
            namespaceList.Count, string.Join(", ", namespaceList), window.Start, window.End);

        var owners = new OwnershipResolver(await usage.ReadOwnershipAsync(namespaceList, window, cancellationToken));
        var cpu = await usage.ReadUsageAsync(UsageResource.Cpu, namespaceList, window, cancellationToken);
        var memory = await usage.ReadUsageAsync(UsageResource.Memory, namespaceList, window, cancellationToken);
        var kills = await usage.ReadOomKillsAsync(namespaceList, window, cancellationToken);

        var grouped = new Dictionary<WorkloadRef, Dictionary<string, ContainerSamples>>();
        var unowned = new HashSet<ContainerKey>();
        long samplesRead = 0;
        Group(cpu, samples => samples.Cpu);
        Group(memory, samples => samples.Memory);
        AddOomKills(kills, memory, owners, grouped);

        var recommendation = new RecommendationSettings(settings.MinSamples, settings.MinHistory.Value);
        var written = new List<WorkloadProfile>();
        var kept = new List<WorkloadRef>();
        foreach (var (workload, containers) in grouped.OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            var profile = ProfileBuilder.Build(workload, containers, now, strategy, recommendation);
            if (profile is null)
            {
                kept.Add(workload);
                logger.LogInformation("Keeping the stored profile of {Workload}: its data is too thin (needs {MinSamples} samples over {MinHistory})",
                    workload, settings.MinSamples, settings.MinHistory);
                continue;
            }

            await store.PutAsync(profile, cancellationToken);
            written.Add(profile);
        }

        if (unowned.Count > 0)
        {
            logger.LogInformation("{Count} container(s) belong to pods without a known controller and were not profiled", unowned.Count);
        }

        if (kills.Count > 0)
        {
            logger.LogInformation("{Count} OOM kill(s) in the window were told to the {Strategy} strategy", kills.Count, strategy.Name);
        }

        var report = new CycleReport(namespaceList, owners.PodCount, written, kept, unowned.Count, kills.Count, samplesRead, stopwatch.Elapsed);
        metrics.Record(report);
        logger.LogInformation(
            "Cycle done in {Seconds:0.0} s: {Written} profile(s) written, {Kept} kept for thin data, {Pods} pod(s), {Samples} samples",
            report.Duration.TotalSeconds, written.Count, kept.Count, report.Pods, samplesRead);
        return report;

        static void AddOomKills(
            IReadOnlyList<OomKill> kills, IReadOnlyList<ContainerUsage> memory, OwnershipResolver owners,
            Dictionary<WorkloadRef, Dictionary<string, ContainerSamples>> grouped)
        {
            if (kills.Count == 0)
            {
                return;
            }

            var memoryOf = memory.ToDictionary(m => m.Container, m => m.Samples);
            foreach (var kill in kills)
            {
                // The usage at the kill: the highest reading in the ten minutes before it, else the container's highest.
                if (owners.WorkloadOf(kill.Container.Namespace, kill.Container.Pod) is not { } workload
                    || !grouped.TryGetValue(workload, out var byName)
                    || !byName.TryGetValue(kill.Container.Container, out var samples)
                    || !memoryOf.TryGetValue(kill.Container, out var readings) || readings.Count == 0)
                {
                    continue;
                }

                var before = readings.Where(r => r.Timestamp <= kill.Timestamp && r.Timestamp >= kill.Timestamp - 600).ToList();
                var usage = (before.Count > 0 ? before : readings).Max(r => r.Value);
                samples.OomKills.Add(new PromSample(kill.Timestamp, usage));
            }
        }

        void Group(IReadOnlyList<ContainerUsage> series, Func<ContainerSamples, List<PromSample>> pick)
        {
            foreach (var container in series)
            {
                samplesRead += container.Samples.Count;
                var workload = owners.WorkloadOf(container.Container.Namespace, container.Container.Pod);
                if (workload is null)
                {
                    unowned.Add(container.Container);
                    continue;
                }

                if (!grouped.TryGetValue(workload, out var byName))
                {
                    grouped[workload] = byName = new Dictionary<string, ContainerSamples>(StringComparer.Ordinal);
                }

                if (!byName.TryGetValue(container.Container.Container, out var samples))
                {
                    byName[container.Container.Container] = samples = new ContainerSamples();
                }

                pick(samples).AddRange(container.Samples);
            }
        }
    }
}
