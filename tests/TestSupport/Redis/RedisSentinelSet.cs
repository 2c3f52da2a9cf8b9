using System.Globalization;
using Resorcerer.DevKit;

namespace Resorcerer.TestSupport.Redis;

/// <summary>
/// A master, one replica and three sentinels (quorum 2) watching them as <c>mymaster</c>, on loopback ports. The
/// sentinels call the master down after 1 s without answers. Clients find the master through the sentinels.
/// </summary>
public sealed class RedisSentinelSet : IAsyncDisposable
{
    public const string MasterName = "mymaster";

    private readonly string _directory;
    private readonly List<RedisProcess> _servers;
    private readonly List<RedisProcess> _sentinels;

    private RedisSentinelSet(string directory, List<RedisProcess> servers, List<RedisProcess> sentinels)
    {
        (_directory, _servers, _sentinels) = (directory, servers, sentinels);
    }

    /// <summary>StackExchange.Redis configuration string: the sentinels and the service name.</summary>
    public string Configuration =>
        string.Join(',', _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + $",serviceName={MasterName}";

    public static async Task<RedisSentinelSet> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-sentinel-").FullName;
        var masterPort = ServerProcess.FreePort();
        var master = await RedisProcess.ServerAsync(Path.Combine(directory, "master"), masterPort);
        var replica = await RedisProcess.ServerAsync(Path.Combine(directory, "replica"), ServerProcess.FreePort(), "--replicaof", "127.0.0.1", masterPort.ToString(CultureInfo.InvariantCulture));
        var sentinels = new List<RedisProcess>();
        for (var i = 0; i < 3; i++)
        {
            var port = ServerProcess.FreePort();
            var config = Path.Combine(directory, $"sentinel-{i}.conf");
            await File.WriteAllTextAsync(config, $"""
                port {port}
                bind 127.0.0.1
                protected-mode no
                dir {directory}
                sentinel monitor {MasterName} 127.0.0.1 {masterPort} 2
                sentinel down-after-milliseconds {MasterName} 1000
                sentinel failover-timeout {MasterName} 3000
                sentinel parallel-syncs {MasterName} 1

                """);
            sentinels.Add(await RedisProcess.SentinelAsync(directory, port, config));
        }

        var set = new RedisSentinelSet(directory, [master, replica], sentinels);
        await set.WaitUntilWatchedAsync();
        return set;
    }

    /// <summary>The port of the server the sentinels call master now.</summary>
    public async Task<int> MasterPortAsync()
    {
        var answer = (await _sentinels[0].CliAsync("SENTINEL", "get-master-addr-by-name", MasterName)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(answer[1].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>Kills the master (SIGKILL) and returns its port.</summary>
    public async Task<int> KillMasterAsync()
    {
        var port = await MasterPortAsync();
        await _servers.Single(s => s.Port == port).StopAsync();
        return port;
    }

    /// <summary>Waits until every sentinel names a master other than <paramref name="oldPort"/> and it accepts writes.</summary>
    public async Task WaitForFailoverAsync(int oldPort)
    {
        await Until(async () =>
        {
            foreach (var sentinel in _sentinels)
            {
                var answer = await sentinel.CliAsync("SENTINEL", "get-master-addr-by-name", MasterName);
                if (answer.Contains(oldPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    return false;
                }
            }

            var port = await MasterPortAsync();
            var master = _servers.Single(s => s.Port == port);
            return (await master.CliAsync("INFO", "replication")).Contains("role:master", StringComparison.Ordinal);
        }, "a replica to be promoted");
    }

    /// <summary>Starts a killed server again; the sentinels turn it into a replica of the new master.</summary>
    public async Task RestartStoppedAsync()
    {
        foreach (var server in _servers.Where(s => !s.IsRunning))
        {
            await server.RestartAsync();
        }
    }

    private async Task WaitUntilWatchedAsync() =>
        await Until(async () =>
        {
            if (!(await _servers[1].CliAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return false;
            }

            foreach (var sentinel in _sentinels)
            {
                var master = await sentinel.CliAsync("SENTINEL", "master", MasterName);
                if (!HasField(master, "num-slaves", "1") || !HasField(master, "num-other-sentinels", "2"))
                {
                    return false;
                }
            }

            return true;
        }, "the replica to sync and the sentinels to find each other");

    /// <summary>redis-cli prints a map as alternating lines of name and value.</summary>
    private static bool HasField(string answer, string name, string value)
    {
        var lines = answer.Split('\n').Select(l => l.Trim()).ToList();
        var at = lines.IndexOf(name);
        return at >= 0 && at + 1 < lines.Count && lines[at + 1] == value;
    }

    internal static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _sentinels.Concat(_servers))
        {
            await process.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
