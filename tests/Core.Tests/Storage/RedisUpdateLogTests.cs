using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Core.Tests.Storage;

/// <summary>The updater's action log in a real Redis: per workload, newest first, trimmed by age and count.</summary>
public sealed class RedisUpdateLogTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static UpdateRecord Record(long at, string workload, string pod) => new(at, workload, pod, "resize", "outside_bounds", "done", $"resized {pod} at {at}");

    [Fact]
    public async Task Actions_are_read_per_workload_newest_first_and_old_or_surplus_ones_are_dropped()
    {
        await using var connection = await fixture.ConnectEmptiedAsync();
        var log = new RedisUpdateLog(connection);
        var web = new WorkloadRef("shop", "Deployment", "web");
        var now = 2_000_000_000L;

        await log.RecordAsync("shop", [Record(now - 15 * 86400, "shop/Deployment/web", "web-old")], CancellationToken.None);
        await log.RecordAsync("shop", [Record(now - 60, "shop/Deployment/web", "web-a"), Record(now - 30, "shop/StatefulSet/db", "db-0")], CancellationToken.None);
        await log.RecordAsync("shop", [Record(now, "shop/Deployment/web", "web-b")], CancellationToken.None);
        await connection.GetDatabase().SortedSetAddAsync(RedisKeys.Updates("shop"), "not json", now - 1);

        // The one from 15 days before the newest is gone (14 days are kept); another workload's and a foreign member are not shown.
        Assert.Equal(["web-b", "web-a"], (await log.ReadAsync(web, 10, CancellationToken.None)).Select(r => r.Pod));
        Assert.Equal(["web-b"], (await log.ReadAsync(web, 1, CancellationToken.None)).Select(r => r.Pod));
        Assert.Equal("db-0", Assert.Single(await log.ReadAsync(new WorkloadRef("shop", "StatefulSet", "db"), 10, CancellationToken.None)).Pod);
        Assert.Empty(await log.ReadAsync(new WorkloadRef("bank", "Deployment", "web"), 10, CancellationToken.None));

        // At most 1,000 a namespace: the oldest give way.
        await log.RecordAsync("shop", [.. Enumerable.Range(1, RedisUpdateLog.MaxPerNamespace).Select(i => Record(now + i, "shop/Deployment/web", $"web-{i}"))], CancellationToken.None);
        Assert.Equal(RedisUpdateLog.MaxPerNamespace, await connection.GetDatabase().SortedSetLengthAsync(RedisKeys.Updates("shop")));
        var kept = await log.ReadAsync(web, 2000, CancellationToken.None);
        Assert.Equal(($"web-{RedisUpdateLog.MaxPerNamespace}", "web-1"), (kept[0].Pod, kept[^1].Pod));
    }
}
