using k8s;
using k8s.Autorest;
using Resorcerer.Hosting;
using Resorcerer.Updating.Kubernetes;
using Resorcerer.Updating.Planning;

namespace Resorcerer.Kubectl;

/// <summary>The plugin's entry: the command, its flags, the cluster connection, and what each ending means as an exit code.</summary>
public static class KubectlPlugin
{
    public const int Success = 0, Refused = 1, BadUsage = 2, NotFinished = 3;

    /// <summary>What the Events this plugin records name as their source.</summary>
    public const string Component = "kubectl-resorcerer";

    public const string Help =
        """
        kubectl resorcerer: resorcerer's kubectl plugin.

        Commands:
          resize POD      resize a running container's CPU and memory in place (kubectl resorcerer resize --help)
          update WORKLOAD apply a workload's profile to its running pods now (kubectl resorcerer update --help)
          report          requests now against recommendations, savings and risk (kubectl resorcerer report --help)
          dashboard       forward a local port to the dashboard and print its address (kubectl resorcerer dashboard --help)

        Common flags: -n/--namespace, --context, --kubeconfig (as kubectl's).
        Install: dotnet tool install --global kubectl-resorcerer (kubectl finds kubectl-resorcerer on PATH).
        """;

    private static readonly Dictionary<string, char?> Common = new() { ["namespace"] = 'n', ["context"] = null, ["kubeconfig"] = null, ["timeout"] = null };

    private static readonly IReadOnlyDictionary<string, char?> ResizeFlags = new Dictionary<string, char?>(Common) { ["container"] = 'c', ["cpu"] = null, ["memory"] = null };

    private static readonly IReadOnlyDictionary<string, char?> UpdateFlags = new Dictionary<string, char?>(Common) { ["redis"] = null, ["min-change"] = null };

    private static readonly IReadOnlyDictionary<string, char?> ReportFlags = new Dictionary<string, char?>(Common)
    {
        ["format"] = 'o', ["sort"] = null, ["release-namespace"] = null, ["service"] = null,
    };

    private static readonly IReadOnlyDictionary<string, char?> DashboardFlags = new Dictionary<string, char?>
    {
        ["context"] = null, ["kubeconfig"] = null, ["port"] = null, ["address"] = null, ["release-namespace"] = null, ["service"] = null, ["kubectl"] = null,
    };

    /// <summary>Resources Kubernetes does not resize in place, as a user might try to give them.</summary>
    private static readonly string[] NotResizable = ["ephemeral-storage", "storage", "gpu", "nvidia.com/gpu", "amd.com/gpu", "hugepages-2Mi", "hugepages-1Gi", "pods"];

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        using var cancellation = ProgramHost.CancelOnCtrlC();

        // The command is the first word that is not a flag or a flag's value (kubectl's "-n shop resize POD" works too).
        var all = new Dictionary<string, char?>(ResizeFlags.Concat(UpdateFlags).Concat(ReportFlags).Concat(DashboardFlags).DistinctBy(f => f.Key));
        var command = PluginArguments.Parse(args, all, new Dictionary<string, char?> { ["limits"] = null, ["no-wait"] = null, ["dry-run"] = null }).Positional is [var first, ..] ? first : null;
        if (command is null)
        {
            (args.Contains("--help") || args.Contains("-h") ? output : error).Write(Help);
            return args.Contains("--help") || args.Contains("-h") ? Success : BadUsage;
        }

        if (command == "resize" && args.Select(a => a.TrimStart('-').Split('=')[0]).FirstOrDefault(a => NotResizable.Contains(a, StringComparer.OrdinalIgnoreCase)) is { } resource)
        {
            error.WriteLine($"kubectl-resorcerer: Kubernetes resizes only cpu and memory in place; {resource} cannot change without recreating the pod");
            return BadUsage;
        }

        var (flags, switches, help) = command switch
        {
            "resize" => (ResizeFlags, new Dictionary<string, char?> { ["limits"] = null, ["no-wait"] = null }, ResizeCommand.Help),
            "update" => (UpdateFlags, new Dictionary<string, char?> { ["dry-run"] = null }, UpdateCommand.Help),
            "report" => (ReportFlags, new Dictionary<string, char?>(), ReportCommand.Help),
            "dashboard" => (DashboardFlags, new Dictionary<string, char?>(), DashboardCommand.Help),
            _ => (null, null, null),
        };
        if (flags is null)
        {
            return Usage(error, $"unknown command '{command}': use resize, update, report or dashboard");
        }

        var parsed = PluginArguments.Parse(args, flags, switches!);
        if (parsed.Error is { } problem)
        {
            return Usage(error, problem);
        }

        if (parsed.Help)
        {
            output.Write(help);
            return Success;
        }

        try
        {
            return command switch
            {
                "resize" => await ResizeCommand.RunAsync(parsed, output, error, cancellation.Token),
                "update" => await UpdateCommand.RunAsync(parsed, output, error, cancellation.Token),
                "report" => await ReportCommand.RunAsync(parsed, output, error, cancellation.Token),
                _ => await DashboardCommand.RunAsync(parsed, output, error, cancellation.Token),
            };
        }
        catch (KubernetesAccessException e)
        {
            error.WriteLine($"kubectl-resorcerer: {e.Message}");
            return Refused;
        }
        catch (HttpOperationException e)
        {
            error.WriteLine($"kubectl-resorcerer: the Kubernetes API answered {(int)e.Response.StatusCode}: {KubernetesStatus.Message(e)}");
            return Refused;
        }
        catch (HttpRequestException e)
        {
            error.WriteLine($"kubectl-resorcerer: cannot reach the Kubernetes API: {e.Message}");
            return Refused;
        }
    }

    public static int Usage(TextWriter error, string problem)
    {
        error.WriteLine($"kubectl-resorcerer: {problem}. See --help.");
        return BadUsage;
    }

    public static (IKubernetes Client, string Namespace) Connect(PluginArguments args)
    {
        var (client, ns) = KubernetesAccess.ConnectAs(args.Value("kubeconfig"), args.Value("context"));
        return (client, args.Value("namespace") ?? ns);
    }

    public static bool TryDuration(string? text, TimeSpan fallback, out TimeSpan value)
    {
        value = fallback;
        if (text is null)
        {
            return true;
        }

        if (Configuration.Duration.TryParse(text, out var parsed) && parsed.Value > TimeSpan.Zero)
        {
            value = parsed.Value;
            return true;
        }

        return false;
    }

    /// <summary>The exit code of a followed resize.</summary>
    public static int ExitCode(ResizeEnd end) => end.State switch
    {
        ResizeState.None => Success,
        ResizeState.Infeasible or ResizeState.Failed => Refused,
        _ => NotFinished,
    };

    /// <summary>The worse of two endings: refused over not finished over success.</summary>
    public static int Worst(int a, int b) => a == Refused || b == Refused ? Refused : Math.Max(a, b);
}
