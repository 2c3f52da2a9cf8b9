using Resorcerer.Profiler.Report;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Report;

public sealed class ReportBuilderTests
{
    private const long Mi = 1024 * 1024;
    private static readonly WorkloadRef Web = new("shop", "Deployment", "web");
    private static readonly WorkloadRef Db = new("shop", "StatefulSet", "db");
    private static readonly WorkloadRef Idle = new("shop", "Deployment", "idle");

    private static WorkloadProfile Profile(WorkloadRef workload, string container, long cpu, long memory)
    {
        var seen = new UsageSummary(100, 150, 200, 250, 300, 10_000, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(7));
        return new WorkloadProfile
        {
            Workload = workload,
            UpdatedAt = DateTimeOffset.UnixEpoch.AddDays(7),
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile> { [container] = new(new ResourceProfile(cpu, cpu / 2, cpu * 2, seen), new ResourceProfile(memory, memory / 2, memory * 2, seen)) },
        };
    }

    private static WorkloadRef? OwnerOf(string ns, string pod) =>
        pod.StartsWith("web-", StringComparison.Ordinal) ? Web : pod.StartsWith("db-", StringComparison.Ordinal) ? Db : null;

    [Fact]
    public void Savings_and_extra_needs_are_worked_out_per_pod_and_for_the_replicas()
    {
        RunningContainer[] running =
        [
            .. Enumerable.Range(0, 3).Select(i => new RunningContainer("shop", $"web-{i}", "app", 1000, 1024 * Mi, 2000, 2048 * Mi)),
            new("shop", "db-0", "postgres", 1000, 1024 * Mi, null, null),
            new("shop", "stray", "shell", 500, 64 * Mi, null, null), // no workload: not in the report
        ];

        var report = ReportBuilder.Build(
            [Profile(Web, "app", 250, 512 * Mi), Profile(Db, "postgres", 1500, 2048 * Mi), Profile(Idle, "app", 100, 128 * Mi)],
            running, OwnerOf, Prices.Default);

        Assert.Equal(["shop/Deployment/idle", "shop/Deployment/web", "shop/StatefulSet/db"], report.Select(r => r.Workload.ToString()));

        // web: 3 pods at 1000m / 1 GiB (limits 2000m / 2 GiB) -> 250m / 512 MiB, limits keeping their ratio (500m / 1 GiB).
        var web = report[1];
        Assert.Equal((3, "waste"), (web.Replicas, web.Status));
        Assert.Equal(new ResourceLine(1000, 2000, 250, 500, 100, 200, 300), web.Cpu);
        Assert.Equal((1024 * Mi, 2048 * Mi, 512 * Mi, 1024 * Mi), (web.Memory.Request, web.Memory.Limit, web.Memory.RecommendedRequest, web.Memory.RecommendedLimit));
        Assert.Equal(-750, web.Cpu.Change);
        Assert.Equal(2.25, web.CpuSavingsCores, 9);   // 0.75 cores x 3 pods
        Assert.Equal(1.5, web.MemorySavingsGib, 9);   // 0.5 GiB x 3 pods
        // (2.25 x $0.031611 + 1.5 x $0.004237) an hour x 730.5 hours = $56.5993 a month.
        Assert.Equal(56.5993, web.MonthlySavings, 4);

        // db: 1 pod at 1000m / 1 GiB, no limits -> 1500m / 2 GiB: under-provisioned, the change costs.
        var db = report[2];
        Assert.Equal((1, "risk"), (db.Replicas, db.Status));
        Assert.Equal((-0.5, -1.0), (db.CpuSavingsCores, db.MemorySavingsGib));
        Assert.Equal((-0.5 * 0.031611 - 1.0 * 0.004237) * 730.5, db.MonthlySavings, 9);
        Assert.Null(db.Cpu.RecommendedLimit); // no limit is added

        // idle: no running pod: nothing to compare.
        var idle = report[0];
        Assert.Equal((0, "unset", 0.0, 0.0), (idle.Replicas, idle.Status, idle.CpuSavingsCores, idle.MemorySavingsGib));
    }

    [Fact]
    public void A_change_within_ten_percent_is_neither_waste_nor_risk()
    {
        var report = ReportBuilder.Build([Profile(Web, "app", 950, 1000 * Mi)], [new RunningContainer("shop", "web-0", "app", 1000, 1024 * Mi, null, null)],
            OwnerOf, Prices.Default);

        Assert.Equal("ok", Assert.Single(report).Status);
    }
}
