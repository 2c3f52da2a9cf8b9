using System.Globalization;
using Resorcerer.DevKit;

namespace Resorcerer.TestSupport.Redis;

/// <summary>
/// A Redis Cluster of three masters and three replicas on loopback ports (node timeout 1 s), made with
/// <c>redis-cli --cluster create</c>.
/// </summary>
public sealed class RedisClusterSet : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<RedisProcess> _nodes;

    private RedisClusterSet(string directory, List<RedisProcess> nodes) => (_directory, _nodes) = (directory, nodes);

    /// <summary>StackExchange.Redis configuration string: every node.</summary>
    public string Configuration => string.Join(',', _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    public static async Task<RedisClusterSet> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-cluster-").FullName;
        var nodes = new List<RedisProcess>();
        for (var i = 0; i < 6; i++)
        {
            nodes.Add(await RedisProcess.ServerAsync(Path.Combine(directory, $"node-{i}"), ServerProcess.FreePort(),
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
                "--cluster-port", ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                // A replica may take over however long it was cut off: the tests kill masters on purpose.
                "--cluster-replica-validity-factor", "0"));
        }

        var set = new RedisClusterSet(directory, nodes);
        var created = await RedisCli.RunAsync(["--cluster", "create", .. nodes.Select(n => $"127.0.0.1:{n.Port}"), "--cluster-replicas", "1", "--cluster-yes"]);
        if (!created.Contains("All 16384 slots covered", StringComparison.Ordinal))
        {
            await set.DisposeAsync();
            throw new InvalidOperationException("redis-cli --cluster create failed:\n" + created);
        }

        await set.WaitUntilHealthyAsync();
        return set;
    }

    /// <summary>Kills (SIGKILL) the master that serves <paramref name="key"/> and returns its port.</summary>
    public async Task<int> KillMasterOfAsync(string key)
    {
        var port = await MasterPortOfAsync(key);
        await _nodes.Single(n => n.Port == port).StopAsync();
        return port;
    }

    /// <summary>The port of the master that serves the key's slot now, as a running node sees it.</summary>
    public async Task<int> MasterPortOfAsync(string key)
    {
        var node = _nodes.First(n => n.IsRunning);
        var slot = int.Parse((await node.CliAsync("CLUSTER", "KEYSLOT", key)).Trim(), CultureInfo.InvariantCulture);
        foreach (var line in (await node.CliAsync("CLUSTER", "NODES")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            if (fields.Length > 8 && fields[2].Contains("master", StringComparison.Ordinal) && !fields[2].Contains("fail", StringComparison.Ordinal)
                && fields.Skip(8).Any(range => Covers(range, slot)))
            {
                return int.Parse(fields[1].Split('@')[0].Split(':')[1], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>Waits until a replica serves the killed master's slots and the cluster is whole again.</summary>
    public Task WaitForFailoverAsync(string key, int oldPort) =>
        RedisSentinelSet.Until(async () => await MasterPortOfAsync(key) is var port && port > 0 && port != oldPort && await HealthyAsync(), "a replica to take over");

    /// <summary>The number of a key's hash slot, as the cluster computes it.</summary>
    public async Task<int> SlotOfAsync(string key) =>
        int.Parse((await _nodes.First(n => n.IsRunning).CliAsync("CLUSTER", "KEYSLOT", key)).Trim(), CultureInfo.InvariantCulture);

    private Task WaitUntilHealthyAsync() => RedisSentinelSet.Until(HealthyAsync, "the cluster to be whole");

    private async Task<bool> HealthyAsync()
    {
        foreach (var node in _nodes.Where(n => n.IsRunning))
        {
            var info = await node.CliAsync("CLUSTER", "INFO");
            if (!info.Contains("cluster_state:ok", StringComparison.Ordinal) || !info.Contains("cluster_slots_ok:16384", StringComparison.Ordinal))
            {
                return false;
            }

            // A replica still on its first full sync would lose what its master took meanwhile if the master died.
            var replication = await node.CliAsync("INFO", "replication");
            if (replication.Contains("role:slave", StringComparison.Ordinal) && !replication.Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Covers(string range, int slot)
    {
        if (range.StartsWith('['))
        {
            return false; // a slot being moved
        }

        var ends = range.Split('-');
        var low = int.Parse(ends[0], CultureInfo.InvariantCulture);
        var high = ends.Length > 1 ? int.Parse(ends[1], CultureInfo.InvariantCulture) : low;
        return slot >= low && slot <= high;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
