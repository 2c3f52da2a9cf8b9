using Resorcerer.Workloads;

namespace Resorcerer.Core.Tests.Workloads;

public class WorkloadTests
{
    [Fact]
    public void Workload_reference_round_trips_through_its_text_form()
    {
        var workload = new WorkloadRef("shop", "Deployment", "web");
        Assert.Equal("shop/Deployment/web", workload.ToString());
        Assert.Equal(workload, WorkloadRef.Parse("shop/Deployment/web"));
    }

    [Theory]
    [InlineData("shop/Deployment")]
    [InlineData("shop//web")]
    [InlineData("a/b/c/d")]
    [InlineData("")]
    public void Malformed_references_are_refused(string text)
    {
        Assert.False(WorkloadRef.TryParse(text, out _));
        Assert.Throws<FormatException>(() => WorkloadRef.Parse(text));
    }

    [Theory]
    [InlineData("web-7d4b9c8f6d", "7d4b9c8f6d", "web")]
    [InlineData("my-app-v2-5f7b8c9d4", "5f7b8c9d4", "my-app-v2")]
    [InlineData("web-7d4b9c8f6d", null, "web")] // no label: the suffix looks like a hash
    [InlineData("web-7d4b9c8f6d", "other", null)] // the label says otherwise
    [InlineData("frontend-v2", null, null)] // "v2" is not a hash
    [InlineData("frontend-canary", null, null)] // vowels never appear in a hash
    [InlineData("nodash", null, null)]
    [InlineData("trailing-", null, null)]
    public void A_replicaset_name_reveals_its_deployment(string replicaSet, string? hash, string? expected) =>
        Assert.Equal(expected, WorkloadNaming.DeploymentOfReplicaSet(replicaSet, hash));

    [Theory]
    [InlineData("report-29345678", "report")]
    [InlineData("nightly-backup-29345678", "nightly-backup")]
    [InlineData("backup-28840", null)] // too few digits for scheduled minutes
    [InlineData("report-2934567x", null)]
    [InlineData("29345678", null)]
    public void A_job_name_reveals_its_cronjob(string job, string? expected) => Assert.Equal(expected, WorkloadNaming.CronJobOfJob(job));
}
