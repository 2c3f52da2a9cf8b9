using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.Storage;

namespace Resorcerer.Profiler.Report;

/// <summary>The report as both the API and the command make it: stored profiles, running pods' requests, their owners.</summary>
public static class ReportLoader
{
    /// <summary>
    /// The report for one namespace or all that have profiles, at <paramref name="now"/>. Redis failures surface as
    /// Redis exceptions, Prometheus failures as Prometheus ones, so that callers can say which cannot be read.
    /// </summary>
    public static async Task<IReadOnlyList<ContainerReport>> LoadAsync(
        IProfileStore store, IProfileFeed feed, RunningResources running, PrometheusUsageSource usage, string? namespaceName, DateTimeOffset now,
        Prices prices, CancellationToken cancellationToken)
    {
        var workloads = await store.ListAsync(namespaceName, cancellationToken);
        var profiles = (await feed.GetManyAsync(workloads, cancellationToken)).OfType<WorkloadProfile>().ToList();
        var namespaces = profiles.Select(p => p.Workload.Namespace).Distinct().Order(StringComparer.Ordinal).ToList();
        var pods = await running.ReadAsync(namespaces, now, cancellationToken);
        var owners = namespaces.Count == 0
            ? new OwnershipResolver()
            : new OwnershipResolver(await usage.ReadOwnershipAsync(namespaces, new TimeWindow(now.AddHours(-1), now), cancellationToken));
        return ReportBuilder.Build(profiles, pods, owners.WorkloadOf, prices);
    }
}
