using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Report;

/// <summary>
/// What resources cost an hour, for the report's money columns. The defaults are OpenCost's default on-demand
/// prices (GCP us-central1): $0.031611 per vCPU-hour and $0.004237 per GiB-hour of memory.
/// </summary>
public sealed record Prices(double CpuPerCoreHour, double MemoryPerGibHour)
{
    public static Prices Default { get; } = new(0.031611, 0.004237);

    /// <summary>Hours in an average month (365.25 x 24 / 12).</summary>
    public const double HoursPerMonth = 730.5;
}

/// <summary>One running pod's container as kube-state-metrics reports it: requests and limits, null where not set.</summary>
public sealed record RunningContainer(string Namespace, string Pod, string Container, long? CpuRequest, long? MemoryRequest, long? CpuLimit, long? MemoryLimit);

/// <summary>Whether a container asks for more than it needs (waste), less (risk), about that (ok), or for nothing (unset).</summary>
public static class ReportStatus
{
    public const string Waste = "waste", Risk = "risk", Ok = "ok", Unset = "unset";
}

/// <summary>One resource of a container in the report: now, recommended, observed; CPU in millicores, memory in bytes.</summary>
public sealed record ResourceLine(long? Request, long? Limit, long? RecommendedRequest, long? RecommendedLimit, long? P50, long? P95, long? Max)
{
    /// <summary>Recommended minus current request, per pod (null when either is unknown).</summary>
    public long? Change => RecommendedRequest is { } r && Request is { } c ? r - c : null;
}

/// <summary>
/// One profiled container of a workload, against what its running pods ask for now: requests and limits per pod
/// (the average over the workload's running pods), the recommendation, and what the change saves (positive) or
/// costs (negative) for the workload's replicas, in cores, GiB and money a month.
/// </summary>
public sealed record ContainerReport(
    WorkloadRef Workload,
    string Container,
    int Replicas,
    ResourceLine Cpu,
    ResourceLine Memory,
    double CpuSavingsCores,
    double MemorySavingsGib,
    double MonthlySavings,
    string Status);
