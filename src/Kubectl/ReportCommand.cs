using k8s.Autorest;

namespace Resorcerer.Kubectl;

/// <summary>
/// <c>kubectl resorcerer report</c>: the profiler's report (current requests against recommendations, savings and
/// risk) read through the Kubernetes API's service proxy, so that kubectl access is all a user needs: no Redis
/// address or password, no port-forward.
/// </summary>
public static class ReportCommand
{
    public const string DefaultReleaseNamespace = "resorcerer", DefaultService = "resorcerer-profiler";

    public static readonly string[] Formats = ["table", "json", "csv", "yaml", "markdown", "html"];

    public static readonly string[] Sorts = ["savings", "risk", "name"];

    public const string Help =
        """
        Print resorcerer's report: each profiled container's requests now beside its recommendation, what the change
        saves (or the extra it needs) for the workload's replicas, in cores, GiB and money a month, and whether it
        is waste, a risk (asks for less than it needs) or ok.

        Usage:
          kubectl resorcerer report [-n NAMESPACE] [--format FORMAT] [--sort ORDER]

        The report is read from the profiler through the Kubernetes API's service proxy
        (/api/v1/namespaces/RELEASE_NAMESPACE/services/SERVICE:http/proxy/api/v1/report): you need permission to
        get services/proxy in the release's namespace, nothing else.

        Flags:
          -n, --namespace NAME          report on one namespace (default: every namespace with profiles)
              --format FORMAT           table (default), json, csv, yaml, markdown or html
              --sort ORDER              savings (most saved first, the default), risk (most under-provisioned first) or name
              --release-namespace NAME  namespace resorcerer is installed in (default resorcerer)
              --service NAME            the profiler's Service (default resorcerer-profiler)
              --context NAME            kubeconfig context to use
              --kubeconfig FILE         kubeconfig file to use

        Exit codes: 0 printed, 1 the API server or the profiler refused or could not be reached, 2 bad usage.
        """;

    public static async Task<int> RunAsync(PluginArguments args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (args.Positional.Count != 1)
        {
            return KubectlPlugin.Usage(error, $"report takes no argument ('{args.Positional[1]}'); give a namespace with -n");
        }

        var format = args.Value("format") ?? "table";
        var sort = args.Value("sort") ?? "savings";
        if (!Formats.Contains(format))
        {
            return KubectlPlugin.Usage(error, $"--format '{format}' is not one of {string.Join(", ", Formats)}");
        }

        if (!Sorts.Contains(sort))
        {
            return KubectlPlugin.Usage(error, $"--sort '{sort}' is not one of {string.Join(", ", Sorts)}");
        }

        if (args.Value("namespace") is { } named && !Workloads.WorkloadNaming.IsNamespaceName(named))
        {
            return KubectlPlugin.Usage(error, $"-n '{named}' is not a valid namespace name");
        }

        var (client, _) = KubectlPlugin.Connect(args);
        var release = args.Value("release-namespace") ?? DefaultReleaseNamespace;
        var service = args.Value("service") ?? DefaultService;
        var path = $"api/v1/report?format={format}&sort={sort}" + (args.Value("namespace") is { } ns ? $"&namespace={ns}" : string.Empty);
        try
        {
            using var answer = await client.CoreV1.ConnectGetNamespacedServiceProxyWithPathWithHttpMessagesAsync(
                service + ":http", release, path, cancellationToken: cancellationToken);
            using var reader = new StreamReader(answer.Body);
            output.Write(await reader.ReadToEndAsync(cancellationToken));
            return KubectlPlugin.Success;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound && e.Response.Content.Contains("\"kind\":\"Status\"", StringComparison.Ordinal))
        {
            error.WriteLine($"kubectl-resorcerer: there is no Service {service} in namespace {release}: {Updating.Kubernetes.KubernetesStatus.Message(e)}. " +
                "Give the namespace resorcerer is installed in with --release-namespace (and --service if the release has another name).");
            return KubectlPlugin.Refused;
        }
        catch (HttpOperationException e) when ((int)e.Response.StatusCode is 400 or 503 && !e.Response.Content.Contains("\"kind\":\"Status\"", StringComparison.Ordinal))
        {
            // The profiler's own answer, passed on by the proxy.
            error.WriteLine($"kubectl-resorcerer: the profiler answered {(int)e.Response.StatusCode}: {e.Response.Content.Trim()}");
            return KubectlPlugin.Refused;
        }
    }
}
