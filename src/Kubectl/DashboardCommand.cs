using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Resorcerer.Kubectl;

/// <summary>
/// <c>kubectl resorcerer dashboard</c>: forwards a local port to the profiler's Service with
/// <c>kubectl port-forward</c> and prints the dashboard's address; it runs until interrupted.
/// </summary>
public static partial class DashboardCommand
{
    public const string Help =
        """
        Open resorcerer's dashboard: forward a local port to the profiler and print the address to open.

        Usage:
          kubectl resorcerer dashboard [--port PORT] [--address ADDRESS]

        Runs 'kubectl port-forward -n RELEASE_NAMESPACE svc/SERVICE PORT:http' and prints
        http://ADDRESS:PORT/ once the forward is up. Stop it with Ctrl-C. You need permission to create pods/portforward
        in the release's namespace.

        Flags:
              --port PORT               local port (default 0: a free one, chosen by kubectl)
              --address ADDRESS         local address to listen on (default 127.0.0.1)
              --release-namespace NAME  namespace resorcerer is installed in (default resorcerer)
              --service NAME            the profiler's Service (default resorcerer-profiler)
              --kubectl PATH            the kubectl to run (default: kubectl on PATH)
              --context NAME            kubeconfig context to use
              --kubeconfig FILE         kubeconfig file to use

        Exit codes: 0 stopped with Ctrl-C, 1 the forward failed (its message is shown), 2 bad usage.
        """;

    public static async Task<int> RunAsync(PluginArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var port = 0;
        if (args.Value("port") is { } text && !(int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) && port is >= 0 and <= 65535))
        {
            return KubectlPlugin.Usage(error, $"--port '{text}' is not a port number (0 to 65535)");
        }

        var address = args.Value("address") ?? "127.0.0.1";
        var start = new ProcessStartInfo(args.Value("kubectl") ?? "kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in (string[])["port-forward", "-n", args.Value("release-namespace") ?? ReportCommand.DefaultReleaseNamespace,
                     "svc/" + (args.Value("service") ?? ReportCommand.DefaultService), $"{(port == 0 ? string.Empty : port)}:http", "--address", address])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var flag in (string[])["context", "kubeconfig"])
        {
            if (args.Value(flag) is { } value)
            {
                start.ArgumentList.Add($"--{flag}={value}");
            }
        }

        Process kubectl;
        try
        {
            kubectl = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error.WriteLine($"kubectl-resorcerer: cannot run {start.FileName}: {e.Message}. Give its path with --kubectl.");
            return KubectlPlugin.Refused;
        }

        using (kubectl)
        {
            var said = new System.Text.StringBuilder();
            var errors = Task.Run(async () =>
            {
                while (await kubectl.StandardError.ReadLineAsync(CancellationToken.None) is { } line)
                {
                    lock (said)
                    {
                        said.AppendLine(line);
                    }
                }
            }, CancellationToken.None);
            try
            {
                var announced = false;
                while (await kubectl.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (!announced && Forwarding().Match(line) is { Success: true } match)
                    {
                        announced = true;
                        output.WriteLine($"resorcerer's dashboard: http://{match.Groups["address"].Value}:{match.Groups["port"].Value}/ (Ctrl-C to stop)");
                    }
                }

                await kubectl.WaitForExitAsync(cancellationToken);
                await errors;
                lock (said)
                {
                    error.WriteLine($"kubectl-resorcerer: kubectl port-forward ended ({kubectl.ExitCode}): {said.ToString().Trim()}");
                }

                return KubectlPlugin.Refused;
            }
            catch (OperationCanceledException)
            {
                kubectl.Kill();
                await kubectl.WaitForExitAsync(CancellationToken.None);
                return KubectlPlugin.Success;
            }
        }
    }

    /// <summary>kubectl's line once the forward listens: "Forwarding from 127.0.0.1:43111 -> 8080".</summary>
    [GeneratedRegex(@"^Forwarding from (?<address>[0-9.]+|\[[0-9a-f:]+\]):(?<port>[0-9]+) ->")]
    private static partial Regex Forwarding();
}
