using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Resorcerer.DevKit;

namespace Resorcerer.TestSupport.Redis;

/// <summary>
/// One <c>redis-server</c> or <c>redis-sentinel</c> from Debian's packages on a loopback port, with whatever
/// arguments a topology needs; stopped by its PID when disposed. Topologies always run from the binaries: a cluster's
/// and a sentinel's announced addresses must be the ones the tests dial.
/// </summary>
public sealed class RedisProcess : ServerProcess
{
    private readonly string _binary;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _directory;

    private RedisProcess(string binary, IReadOnlyList<string> arguments, string directory, int port)
        : base(port)
    {
        (_binary, _arguments, _directory) = (binary, arguments, directory);
    }

    public static string Binary(string name) =>
        FindOnPath(name) ?? throw new ServerUnavailableException($"{name} is not on PATH: install it with 'apt-get install -y {(name == "redis-sentinel" ? "redis-sentinel" : "redis-server")}'.");

    /// <summary>A redis-server with the usual test settings (no persistence, loopback) and <paramref name="extra"/> arguments.</summary>
    public static Task<RedisProcess> ServerAsync(string directory, int port, params string[] extra) =>
        StartAsync(Binary("redis-server"), [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--dir", directory, .. extra], directory, port);

    /// <summary>A redis-sentinel reading (and rewriting) the configuration file given.</summary>
    public static Task<RedisProcess> SentinelAsync(string directory, int port, string configFile) =>
        StartAsync(Binary("redis-sentinel"), [configFile], directory, port);

    private static async Task<RedisProcess> StartAsync(string binary, IReadOnlyList<string> arguments, string directory, int port)
    {
        Directory.CreateDirectory(directory);
        var process = new RedisProcess(binary, arguments, directory, port);
        await process.RestartAsync();
        return process;
    }

    /// <summary>Starts it (again) with the same arguments and port.</summary>
    public async Task RestartAsync()
    {
        Launch(_binary, _arguments, _directory);
        await WaitUntilAsync(AnswersAsync, TimeSpan.FromSeconds(30), Path.GetFileName(_binary));
    }

    /// <summary>Listening and answering: PONG, or a refusal that says a password is needed.</summary>
    private async Task<bool> AnswersAsync()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray());
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal);
    }

    /// <summary>Runs <c>redis-cli</c> against this process and returns what it printed.</summary>
    public Task<string> CliAsync(params string[] arguments) => RedisCli.RunAsync(["-p", Port.ToString(CultureInfo.InvariantCulture), .. arguments]);
}

/// <summary>The <c>redis-cli</c> that comes with redis-server, for the fixtures' own questions to the servers.</summary>
public static class RedisCli
{
    public static async Task<string> RunAsync(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(ServerProcess.FindOnPath("redis-cli") ?? throw new ServerUnavailableException("redis-cli is not on PATH: install redis-tools"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-h");
        start.ArgumentList.Add("127.0.0.1");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (await output) + (await error);
    }
}
