using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Resorcerer.DevKit;

/// <summary>A server binary this machine lacks, with what to do about it.</summary>
public sealed class ServerUnavailableException(string message) : Exception(message);

/// <summary>
/// A server program started from its binary on a loopback port, stopped (by its PID) when disposed.
/// Its output is kept so that a failure to start can say why.
/// </summary>
public abstract partial class ServerProcess : IAsyncDisposable
{
    private const int SigCont = 18, SigStop = 19;

    private readonly StringBuilder _output = new();
    private Process? _process;

    protected ServerProcess(int port) => Port = port;

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// A TCP port that was free a moment ago on 127.0.0.1, drawn at random below Linux's ephemeral range (32768 and
    /// up): a port the kernel hands out would be free to bind now, yet could be taken a moment later as the local end
    /// of any outgoing connection, and the server meant for it would then fail with "address in use".
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: draw again.
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    protected void Launch(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>Waits until <paramref name="ready"/> holds, failing with the server's output when it exits or times out.</summary>
    protected async Task WaitUntilAsync(Func<Task<bool>> ready, TimeSpan timeout, string name)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"{name} exited with code {_process.ExitCode} while starting:\n{Output}");
            }

            try
            {
                if (await ready())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{name} was not ready within {timeout.TotalSeconds:0} s:\n{Output}");
    }

    /// <summary>Stops the server (SIGKILL to its own PID) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Freezes the server (SIGSTOP): it keeps its connections but answers nothing, as a stalled server does.</summary>
    public void Pause() => Signal(SigStop);

    /// <summary>Lets a paused server go on (SIGCONT).</summary>
    public void Resume() => Signal(SigCont);

    private void Signal(int signal)
    {
        if (_process is not { HasExited: false } process || Kill(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"could not send signal {signal} to the server (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    public virtual async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        GC.SuppressFinalize(this);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Keep the tail: a long-running server's log must not grow without bound.
            if (_output.Length > 64 * 1024)
            {
                _output.Remove(0, _output.Length - 32 * 1024);
            }

            _output.AppendLine(line);
        }
    }
}
