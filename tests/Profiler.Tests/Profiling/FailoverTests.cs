using Resorcerer.Profiler.Profiling;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.TestSupport.Redis;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>The Redis master killed while the profiler works, on Sentinel and on a Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(ClusterFixture cluster)
{
    [Theory]
    [InlineData("sentinel")]
    [InlineData("cluster")]
    public async Task A_master_killed_during_a_cycle_loses_no_profile_or_checkpoint(string kind)
    {
        await using var topology = await RedisTopology.StartAsync(kind);
        await using var harness = new ProfilerHarness(cluster.Prometheus, topology.Configuration, TestCluster.Namespace);
        var first = await harness.Cycle.RunAsync(CancellationToken.None);
        Assert.NotEmpty(first.Written);
        var workloads = first.Written.Select(p => p.Workload).ToList();
        await RedisFailover.ReplicatedAsync(harness.Redis, RedisKeys.ProfileIndex(TestCluster.Namespace));

        // The master dies while a cycle runs; cycles go on (failing, or keeping their writes in memory) until one
        // completes with nothing left waiting for Redis.
        var epoch = harness.Store.Epoch;
        await topology.KillMasterAndWaitForFailoverAsync(RedisKeys.ProfileIndex(TestCluster.Namespace), async () =>
        {
            try
            {
                await harness.Cycle.RunAsync(CancellationToken.None);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // A cycle that cannot load its cursors fails and is retried, as the loop does.
            }
        });

        CycleReport? after = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                after = await harness.Cycle.RunAsync(CancellationToken.None);
                return after.PendingWrites == 0 && harness.Store.Epoch != epoch;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return false;
            }
        }, "a cycle to complete against the new master");

        // No new usage came in since the first cycle, yet everything was written again: the failover may have lost the last writes.
        Assert.Equal(workloads, after!.Written.Select(p => p.Workload));
        foreach (var workload in workloads)
        {
            Assert.NotNull(await harness.Store.GetAsync(workload, CancellationToken.None));
            Assert.NotNull(await harness.Checkpoints.LoadAsync(workload.ToString(), CancellationToken.None));
        }

        // A profiler started now (a new leader) finds every workload's learned state.
        var restarted = await harness.NewCycle().RunAsync(CancellationToken.None);
        Assert.Equal(0, restarted.WaitingForCheckpoint);
        Assert.Equal(0, restarted.PendingWrites);
    }
}
