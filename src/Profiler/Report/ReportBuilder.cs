using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Sizing;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Report;

/// <summary>
/// Joins what running pods ask for with their workloads' profiles. Pure. The recommended requests and limits are
/// what the webhook would give a pod like the running ones (the shared <see cref="PodPatchBuilder"/>, under the
/// stored policy), so the report says what resorcerer would do, bounds and holds included. A container more
/// than <see cref="Tolerance"/> above its recommendation is waste, more than that below it a risk.
/// </summary>
public static class ReportBuilder
{
    /// <summary>A change under this share of the request is neither waste nor risk.</summary>
    public const double Tolerance = 0.10;

    private const double Gib = 1024d * 1024 * 1024;

    public static IReadOnlyList<ContainerReport> Build(
        IReadOnlyList<WorkloadProfile> profiles, IReadOnlyList<RunningContainer> running, Func<string, string, WorkloadRef?> workloadOf, Prices prices)
    {
        var podsByWorkload = running
            .GroupBy(c => (c.Namespace, c.Pod))
            .Select(pod => (Workload: workloadOf(pod.Key.Namespace, pod.Key.Pod), Containers: pod.ToList()))
            .Where(pod => pod.Workload is not null)
            .GroupBy(pod => pod.Workload!)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Containers).ToList());
        var lines = new List<ContainerReport>();
        foreach (var profile in profiles.OrderBy(p => p.Workload.ToString(), StringComparer.Ordinal))
        {
            var pods = podsByWorkload.GetValueOrDefault(profile.Workload) ?? [];
            var typical = Typical(profile, pods);
            var patch = PodPatchBuilder.Build(typical, profile, profile.Policy ?? WorkloadPolicy.Default);
            foreach (var (name, containerProfile) in profile.Containers.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                var current = typical.Containers.First(c => c.Name == name);
                var cpu = Line(current.Requests.CpuMillicores, current.Limits.CpuMillicores, containerProfile.Cpu, patch, name, "cpu");
                var memory = Line(current.Requests.MemoryBytes, current.Limits.MemoryBytes, containerProfile.Memory, patch, name, "memory");
                var cpuSavings = -(cpu.Change ?? 0) / 1000.0 * pods.Count;
                var memorySavings = -(memory.Change ?? 0) / Gib * pods.Count;
                var money = (cpuSavings * prices.CpuPerCoreHour + memorySavings * prices.MemoryPerGibHour) * Prices.HoursPerMonth;
                lines.Add(new ContainerReport(profile.Workload, name, pods.Count, cpu, memory, cpuSavings, memorySavings, money, Status(cpu, memory)));
            }
        }

        return lines;
    }

    /// <summary>A pod like the running ones: each profiled container with the average of their requests and limits.</summary>
    private static PodResources Typical(WorkloadProfile profile, List<List<RunningContainer>> pods)
    {
        long? Average(Func<RunningContainer, long?> value, string container)
        {
            var values = pods.SelectMany(p => p).Where(c => c.Container == container).Select(value).OfType<long>().ToList();
            return values.Count == 0 ? null : (long)Math.Round(values.Average());
        }

        var containers = profile.Containers.Keys.Order(StringComparer.Ordinal).Select((name, i) =>
        {
            var requests = new ResourceAmounts(Average(c => c.CpuRequest, name), Average(c => c.MemoryRequest, name));
            var limits = new ResourceAmounts(Average(c => c.CpuLimit, name), Average(c => c.MemoryLimit, name));
            var hasRequests = requests.CpuMillicores is not null || requests.MemoryBytes is not null;
            var hasLimits = limits.CpuMillicores is not null || limits.MemoryBytes is not null;
            return new ContainerResources($"/spec/containers/{i}", name, ContainerRole.Container, hasRequests || hasLimits, hasRequests, hasLimits, requests, limits);
        }).ToList();
        return new PodResources(true, containers);
    }

    private static ResourceLine Line(long? request, long? limit, ResourceProfile? profile, PodPatch patch, string container, string resource)
    {
        long? Changed(string kind, long? current)
        {
            var change = patch.Changes.FirstOrDefault(c => c.Container == container && c.Resource == resource && c.Kind == kind);
            if (change is null)
            {
                return current;
            }

            return resource == "cpu"
                ? Quantity.TryParseMillicores(change.To, out var millicores) ? millicores : current
                : Quantity.TryParseBytes(change.To, out var bytes) ? bytes : current;
        }

        return new ResourceLine(request, limit, profile is null ? request : Changed("request", request), Changed("limit", limit),
            profile?.Observed.P50, profile?.Observed.P95, profile?.Observed.Max);
    }

    private static string Status(ResourceLine cpu, ResourceLine memory)
    {
        if (cpu.Request is null && memory.Request is null)
        {
            return ReportStatus.Unset;
        }

        static double? Share(ResourceLine line) => line.Change is { } change && line.Request is > 0 ? (double)change / line.Request : null;
        var shares = new[] { Share(cpu), Share(memory) }.OfType<double>().ToList();
        return shares.Any(s => s > Tolerance) ? ReportStatus.Risk
            : shares.Any(s => s < -Tolerance) ? ReportStatus.Waste
            : ReportStatus.Ok;
    }
}
