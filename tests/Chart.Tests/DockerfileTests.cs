using System.Diagnostics;

namespace Resorcerer.Chart.Tests;

/// <summary>
/// There is no Docker engine here, so the Dockerfile is checked by parts: a linter, and the very publish command
/// its build stage runs, whose output must hold what the image's entry points start.
/// </summary>
public class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(Helm.Root, "Dockerfile"));

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Helm.Root };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    [Fact]
    public void The_dockerfile_lints_clean()
    {
        var linter = Path.Combine(Helm.Root, ".tools", "npm", "node_modules", ".bin", "dockerfilelint");
        Assert.True(File.Exists(linter), "dockerfilelint is not installed: ./test.sh fetches it into .tools/npm");

        var (code, output) = Run(linter, "Dockerfile");

        Assert.True(code == 0, output);
        Assert.Contains("Issues: None found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_target_starts_what_the_build_stage_publishes_and_runs_as_non_root()
    {
        Assert.Contains("RUN scripts/publish.sh /out", Dockerfile, StringComparison.Ordinal);
        var output = Directory.CreateTempSubdirectory("resorcerer-publish-").FullName;
        try
        {
            var (code, log) = Run("bash", "scripts/publish.sh", output);
            Assert.True(code == 0, log);

            foreach (var (target, dll) in new[] { ("webhook", "resorcerer-webhook.dll"), ("profiler", "resorcerer-profiler.dll"), ("updater", "resorcerer-updater.dll") })
            {
                var stage = Dockerfile[Dockerfile.IndexOf($"AS {target}", StringComparison.Ordinal)..];
                Assert.Contains($"COPY --from=build /out/{target}/ ./", stage, StringComparison.Ordinal);
                Assert.Contains($"ENTRYPOINT [\"dotnet\", \"{dll}\"]", stage, StringComparison.Ordinal);
                Assert.Contains("USER 1654", stage, StringComparison.Ordinal);
                Assert.True(File.Exists(Path.Combine(output, target, dll)), $"{target}/{dll} was not published");
                Assert.True(File.Exists(Path.Combine(output, target, Path.ChangeExtension(dll, ".runtimeconfig.json"))));
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
