using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Workloads;

namespace Resorcerer.Profiler.Tests.Workloads;

public class OwnershipResolverTests
{
    private static readonly OwnershipResolver Resolver = new(new Ownership(
        [
            new("shop", "web-5f7b8c9d4-x7k2p", "ReplicaSet", "web-5f7b8c9d4"),
            new("shop", "web-6c8d9f7b5-b4n8w", "ReplicaSet", "web-6c8d9f7b5"),
            new("shop", "db-0", "StatefulSet", "db"),
            new("shop", "agent-k8w2d", "DaemonSet", "agent"),
            new("shop", "backup-28840-q2w3e", "Job", "backup-28840"),
            new("shop", "report-29345678-x1", "Job", "report-29345678"),
            new("shop", "report-29345679-x2", "Job", "report-29345679"),
            new("shop", "migrate-1-x3", "Job", "migrate-1"),
            new("shop", "bare-rs-abcde", "ReplicaSet", "bare-rs"),
            new("shop", "legacy-8b7c6d5f9-m3n4p", "ReplicaSet", "legacy-8b7c6d5f9"),
            new("shop", "frontend-v2-x1", "ReplicaSet", "frontend-v2"),
            new("shop", "debug", "<none>", "<none>"),
            new("other", "db-0", "StatefulSet", "other-db"),
        ],
        [
            new("shop", "ReplicaSet", "web-5f7b8c9d4", "Deployment", "web"),
            new("shop", "ReplicaSet", "web-6c8d9f7b5", "Deployment", "web"),
            new("shop", "ReplicaSet", "bare-rs", "<none>", "<none>"),
            new("shop", "Job", "report-29345678", "CronJob", "report"),
            new("shop", "Job", "migrate-1", "<none>", "<none>"),
        ]));

    [Theory]
    [InlineData("shop", "web-5f7b8c9d4-x7k2p", "shop/Deployment/web")]
    [InlineData("shop", "web-6c8d9f7b5-b4n8w", "shop/Deployment/web")] // both rollouts count for the same Deployment
    [InlineData("shop", "db-0", "shop/StatefulSet/db")]
    [InlineData("other", "db-0", "other/StatefulSet/other-db")] // same pod name, other namespace
    [InlineData("shop", "agent-k8w2d", "shop/DaemonSet/agent")]
    [InlineData("shop", "backup-28840-q2w3e", "shop/Job/backup-28840")] // no owner row, too few digits for a CronJob's
    [InlineData("shop", "report-29345678-x1", "shop/CronJob/report")] // every run of a CronJob counts for it
    [InlineData("shop", "report-29345679-x2", "shop/CronJob/report")] // no row yet: the CronJob naming rule
    [InlineData("shop", "migrate-1-x3", "shop/Job/migrate-1")] // a Job nobody owns is the workload
    [InlineData("shop", "bare-rs-abcde", "shop/ReplicaSet/bare-rs")] // a ReplicaSet nobody owns is the workload
    [InlineData("shop", "legacy-8b7c6d5f9-m3n4p", "shop/Deployment/legacy")] // no kube_replicaset_owner row: naming rule
    [InlineData("shop", "frontend-v2-x1", "shop/ReplicaSet/frontend-v2")] // no row, and not a hash suffix
    [InlineData("shop", "debug", null)]
    [InlineData("shop", "unknown", null)]
    public void Pods_map_to_their_workloads(string ns, string pod, string? expected) =>
        Assert.Equal(expected, Resolver.WorkloadOf(ns, pod)?.ToString());

    [Fact]
    public void Pods_without_a_controller_are_not_counted() => Assert.Equal(12, Resolver.PodCount);
}
