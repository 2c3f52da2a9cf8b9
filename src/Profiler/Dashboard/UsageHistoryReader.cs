using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>One workload's hourly CPU (cores) and memory (bytes) usage per container, over the history its profile rests on.</summary>
public sealed record WorkloadHistory(
    DateTimeOffset From,
    DateTimeOffset To,
    Duration Step,
    IReadOnlyDictionary<string, IReadOnlyList<HourlyUsage>> Cpu,
    IReadOnlyDictionary<string, IReadOnlyList<HourlyUsage>> Memory);

/// <summary>
/// Reads a workload's usage history from Prometheus with a bounded number of queries: the three ownership queries
/// and, per resource, one range query per day of history (at most <c>--history</c>, 7 days by default) at a step of
/// five minutes (or <c>--step</c> when longer), whatever the number of pods.
/// </summary>
public sealed class UsageHistoryReader(PrometheusUsageSource usage, IOptions<ProfilerOptions> options)
{
    /// <summary>The step the plots are drawn from: twelve points an hour per pod.</summary>
    public static readonly Duration PlotStep = Duration.FromMinutes(5);

    public async Task<WorkloadHistory> ReadAsync(WorkloadProfile profile, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var step = options.Value.Step > PlotStep ? options.Value.Step : PlotStep;
        var length = TimeSpan.FromTicks(Math.Clamp(profile.History.Ticks, TimeSpan.FromHours(1).Ticks, options.Value.History.Value.Ticks));
        var end = now;
        var start = DateTimeOffset.FromUnixTimeSeconds((end - length).ToUnixTimeSeconds() / 3600 * 3600);
        var window = new TimeWindow(start, end);

        var owners = new OwnershipResolver(await usage.ReadOwnershipAsync([profile.Workload.Namespace], window, cancellationToken));
        var cpu = await usage.ReadWorkloadUsageAsync(UsageResource.Cpu, profile.Workload, window, step, cancellationToken);
        var memory = await usage.ReadWorkloadUsageAsync(UsageResource.Memory, profile.Workload, window, step, cancellationToken);
        bool Owned(ContainerUsage series) => owners.WorkloadOf(series.Container.Namespace, series.Container.Pod) == profile.Workload;
        return new WorkloadHistory(start, end, step, UsageHistory.Hourly(cpu.Where(Owned)), UsageHistory.Hourly(memory.Where(Owned)));
    }
}
