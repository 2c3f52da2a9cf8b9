using System.Diagnostics;

namespace Resorcerer.TestSupport;

/// <summary>What a program printed and how it exited.</summary>
public sealed record ProgramResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs one of resorcerer's programs as users do: a separate process with arguments and environment.</summary>
public static class ProgramRun
{
    /// <summary>Runs <c>dotnet &lt;assembly&gt;.dll args</c> from the test's output folder and waits for it to exit.</summary>
    public static async Task<ProgramResult> RunAsync(
        string assembly, IEnumerable<string> args, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var start = StartInfo(assembly, args);

        // Nothing from the developer's own shell may leak into what is tested.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("RESORCERER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{assembly} {string.Join(' ', args)} did not exit in time:\n{await stdout}\n{await stderr}");
        }

        return new ProgramResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary><c>dotnet &lt;assembly&gt;.dll args</c> in the test's output folder, with its output captured.</summary>
    public static ProcessStartInfo StartInfo(string assembly, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, assembly + ".dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}

/// <summary>One of resorcerer's programs running in the background for a test; killed (by its PID) when disposed.</summary>
public sealed class BackgroundProgram : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private BackgroundProgram(Process process) => _process = process;

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

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    public static BackgroundProgram Start(string assembly, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var process = new Process { StartInfo = ProgramRun.StartInfo(assembly, args) };
        foreach (var key in process.StartInfo.Environment.Keys.Where(k => k.StartsWith("RESORCERER_", StringComparison.Ordinal)).ToList())
        {
            process.StartInfo.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            process.StartInfo.Environment[key] = value;
        }

        var program = new BackgroundProgram(process);
        process.OutputDataReceived += (_, e) => program.Append(e.Data);
        process.ErrorDataReceived += (_, e) => program.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return program;
    }

    /// <summary>Waits until <paramref name="probe"/> succeeds; fails the test, with the program's output, if it exits or never does.</summary>
    public async Task WaitUntilAsync(Func<Task<HttpResponseMessage>> probe)
    {
        var until = DateTime.UtcNow + Eventually.DefaultDeadline;
        while (DateTime.UtcNow < until)
        {
            Xunit.Assert.False(HasExited, "the program exited:\n" + Output);
            try
            {
                using var response = await probe();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Xunit.Assert.Fail("the program did not become healthy:\n" + Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
