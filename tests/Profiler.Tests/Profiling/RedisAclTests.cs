using Resorcerer.DevKit;
using Resorcerer.Profiler.Storage;
using Resorcerer.TestSupport;
using Resorcerer.TestSupport.Redis;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>The profiler's whole cycle under the Redis ACL the README documents.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RedisAclTests(ClusterFixture cluster)
{
    [Fact]
    public async Task A_cycle_writes_profiles_and_checkpoints_as_the_limited_user_and_a_new_leader_restores_them()
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-acl-").FullName;
        try
        {
            await using var server = await RedisProcess.ServerAsync(directory, ServerProcess.FreePort());
            await server.CliAsync(RedisAcl.SetUser("resorcerer", "s3cret"));
            await server.CliAsync("ACL", "SETUSER", "default", "off");
            await using var harness = new ProfilerHarness(cluster.Prometheus, $"127.0.0.1:{server.Port},user=resorcerer,password=s3cret", TestCluster.Namespace);

            var first = await harness.NewCycle(clock: new MovableTime(cluster.End.AddHours(-1))).RunAsync(CancellationToken.None);
            Assert.NotEmpty(first.Written);
            Assert.Equal(0, first.PendingWrites);

            // An unreadable checkpoint (another type at its key) is copied aside with DUMP and RESTORE, and relearned.
            var web = first.Written[0].Workload.ToString();
            var database = harness.Redis.GetDatabase();
            await database.KeyDeleteAsync(RedisCheckpointStore.Prefix + web);
            await database.StringSetAsync(RedisCheckpointStore.Prefix + web, "not a checkpoint");
            var restarted = await harness.NewCycle(clock: new MovableTime(cluster.End.AddMinutes(10))).RunAsync(CancellationToken.None);
            Assert.Equal((0, 0), (restarted.WaitingForCheckpoint, restarted.PendingWrites));
            Assert.Equal("not a checkpoint", (string?)await database.StringGetAsync(RedisCheckpointStore.AsidePrefix + web));
            Assert.NotNull(await harness.Checkpoints.LoadAsync(web, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
