using System.Net.Sockets;
using System.Text;

namespace Resorcerer.DevKit;

/// <summary>A real <c>redis-server</c> on a free loopback port, without persistence.</summary>
public sealed class RedisServer : ServerProcess
{
    private RedisServer(int port)
        : base(port)
    {
    }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync(int? port = null)
    {
        var binary = FindOnPath("redis-server")
            ?? throw new ServerUnavailableException("redis-server is not on PATH: install it with 'apt-get install -y redis-server'.");
        var server = new RedisServer(port ?? FreePort());
        await server.StartProcessAsync(binary);
        return server;
    }

    /// <summary>Starts the server again on the same port after <see cref="ServerProcess.StopAsync"/>.</summary>
    public Task RestartAsync() =>
        StartProcessAsync(FindOnPath("redis-server") ?? throw new ServerUnavailableException("redis-server is not on PATH"));

    private async Task StartProcessAsync(string binary)
    {
        Launch(binary, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--protected-mode", "no"]);
        await WaitUntilAsync(PingAsync, TimeSpan.FromSeconds(20), "redis-server");
    }

    private async Task<bool> PingAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray());
        var buffer = new byte[16];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }
}
