using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Resorcerer.DevKit;
using Resorcerer.Profiler;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Report;
using Resorcerer.Webhook;

namespace Resorcerer.Demo;

/// <summary>
/// The whole path on one machine: real Redis and Prometheus filled with the bundled sample, one profiler
/// cycle, its report and dashboard, the webhook over HTTPS, and a new pod sent through it. Everything it starts, it stops.
/// </summary>
public static class DemoRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        var serve = args is ["--serve"];
        if (args.Length > 0 && !serve)
        {
            Console.WriteLine("Usage: resorcerer-demo [--serve]\n\nRuns resorcerer end to end on this machine with embedded defaults " +
                              "(needs redis-server, prometheus and promtool on PATH; ./demo.sh installs them).\n\n" +
                              "  --serve   keep Redis, Prometheus and the dashboard running at the end, until Ctrl-C, to open the dashboard in a browser");
            return args[0] is "-h" or "--help" ? 0 : 2;
        }

        var sample = FindSample();
        var work = Directory.CreateTempSubdirectory("resorcerer-demo-").FullName;
        try
        {
            Heading("1. Start Redis and Prometheus, filled with the sample usage");
            Console.WriteLine($"Sample: {sample} (Google cluster trace 2019, CC-BY 4.0; see samples/README.md)");
            var series = SampleCluster.Build(sample, DateTimeOffset.UtcNow.AddMinutes(-2));
            var openMetrics = await series.WriteOpenMetricsFileAsync(Path.Combine(work, "series.om"));
            await using var redis = await RedisServer.StartAsync();
            await using var prometheus = await PrometheusServer.StartAsync(openMetrics, Path.Combine(work, "prometheus"));
            Console.WriteLine($"Redis      {redis.Configuration}");
            Console.WriteLine($"Prometheus {prometheus.Url} ({series.Pods.Count} pods over {(series.Pods.Max(p => p.End) - series.Pods.Min(p => p.Start)) / 86400.0:0.0} days)");

            Heading("2. Profile namespace 'shop' (one profiler cycle)");
            var profilerExit = await ProfilerProgram.RunAsync(
                ["--once", "--prometheus-url", prometheus.Url.ToString(), "--redis", redis.Configuration, "--namespaces", SampleCluster.Namespace]);
            if (profilerExit != 0)
            {
                Console.Error.WriteLine($"The profiler failed (exit code {profilerExit}).");
                return 1;
            }

            Console.WriteLine();
            Console.WriteLine("The service graph it learned from the mesh metrics (resorcerer-profiler graph --format mermaid):");
            await GraphCommand.RunAsync(["--redis", redis.Configuration, "--format", "mermaid"], Console.Out, Console.Error);

            Heading("3. The report: what the running pods ask for against the recommendations (resorcerer-profiler report)");
            await ReportCommand.RunAsync(["--redis", redis.Configuration, "--prometheus-url", prometheus.Url.ToString(), "--namespace", SampleCluster.Namespace],
                Console.Out, Console.Error);
            await using var dashboard = ProfilerProgram.Build(
                ["--redis", redis.Configuration, "--prometheus-url", prometheus.Url.ToString(), "--namespaces", SampleCluster.Namespace,
                 "--urls", "http://127.0.0.1:0", "--watcher-urls", "", "--interval", "1h"], out var profilerCode)
                ?? throw new InvalidOperationException($"the profiler did not start (exit code {profilerCode})");
            await dashboard.StartAsync();
            var dashboardUrl = dashboard.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/";
            using (var browser = new HttpClient())
            {
                var page = await browser.GetStringAsync(dashboardUrl);
                Console.WriteLine();
                Console.WriteLine($"Dashboard  {dashboardUrl} (GET / -> {System.Text.RegularExpressions.Regex.Count(page, "<tr data-workload=")} container rows; " +
                                  $"a page per workload at {dashboardUrl}workloads/{SampleCluster.Namespace}/Deployment/checkout)");
            }

            Console.WriteLine(serve
                ? "It stays up, with Redis and Prometheus, until Ctrl-C at the end."
                : "To open it in a browser, run ./demo.sh --serve: it keeps the dashboard up until Ctrl-C. In a cluster: kubectl resorcerer dashboard.");

            Heading("4. Start the webhook and admit a new checkout pod");
            var (cert, key, certificate) = DevCertificates.Write(Path.Combine(work, "tls"));
            await using var webhook = WebhookProgram.Build(
                ["--redis", redis.Configuration, "--tls-cert", cert, "--tls-key", key, "--urls", "https://127.0.0.1:0"], out var exitCode)
                ?? throw new InvalidOperationException($"the webhook did not start (exit code {exitCode})");
            await webhook.StartAsync();
            var url = webhook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            Console.WriteLine($"Webhook    {url}/mutate");

            using var client = AdmissionReviews.Client(certificate);
            var pod = JsonNode.Parse(SamplePod.Json)!;

            // As kube-apiserver's Service does, send nothing before the webhook says it is ready (its profiles are loaded).
            Console.WriteLine($"GET /readyz -> {await WaitUntilReadyAsync(client, new Uri(url), TimeSpan.FromSeconds(30))}");
            var answer = await AdmissionReviews.PostUntilPatchedAsync(client, new Uri(url),
                AdmissionReviews.For(pod, uid: Guid.NewGuid().ToString()), TimeSpan.FromSeconds(30));
            Console.WriteLine($"POST /mutate -> HTTP {(int)answer.Status} over HTTP/{answer.Version}, allowed: {answer.Response?["allowed"]}" +
                (answer.Attempts > 1 ? $" (after {answer.Attempts - 1} answer(s) without a patch while the webhook warmed up)" : string.Empty));
            if (answer.Patch is not { } patch)
            {
                Console.Error.WriteLine("The webhook returned no patch: " + answer.Review?.ToJsonString());
                return 1;
            }

            var after = JsonPatch.Apply(pod, patch);
            Heading("5. The pod before and after");
            Console.Write(ResourcesTable("before", pod));
            Console.WriteLine();
            Console.Write(ResourcesTable("after", after));
            Console.WriteLine();
            Console.WriteLine("Annotations added:");
            foreach (var (name, value) in after["metadata"]!["annotations"]!.AsObject())
            {
                Console.WriteLine($"  {name}: {value}");
            }

            await webhook.StopAsync();
            if (serve)
            {
                Heading($"Serving the dashboard at {dashboardUrl} until Ctrl-C");
                // Ctrl-C, or SIGTERM (which the profiler's host turns into stopping).
                using var ctrlC = Hosting.ProgramHost.CancelOnCtrlC();
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctrlC.Token, dashboard.Lifetime.ApplicationStopping);
                await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            await dashboard.StopAsync();
            Heading("Done: Redis, Prometheus, the profiler and the webhook are stopped");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string ResourcesTable(string title, JsonNode pod)
    {
        var text = new StringBuilder();
        text.AppendLine($"{title,-8}{"CONTAINER",-14}{"CPU REQ",-10}{"CPU LIM",-10}{"MEM REQ",-10}MEM LIM");
        foreach (var container in pod["spec"]!["containers"]!.AsArray())
        {
            var resources = container!["resources"];
            text.AppendLine(($"{"",-8}{container["name"],-14}{Show(resources?["requests"]?["cpu"]),-10}{Show(resources?["limits"]?["cpu"]),-10}" +
                            $"{Show(resources?["requests"]?["memory"]),-10}{Show(resources?["limits"]?["memory"]),-10}").TrimEnd());
        }

        return text.ToString();

        static string Show(JsonNode? value) => value?.GetValue<string>() ?? "-";
    }

    private static void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine($"== {text}");
    }

    /// <summary>The bundled sample, found from the program's folder or the current one (the repository root).</summary>
    private static string FindSample()
    {
        const string Relative = "samples/google2019-job382.usage.csv.gz";
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, Relative);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"cannot find {Relative}: run the demo from the repository");
    }

    /// <summary>Polls <c>/readyz</c> until it answers 200 (or the deadline passes) and returns its body.</summary>
    private static async Task<string> WaitUntilReadyAsync(HttpClient client, Uri webhook, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            using var response = await client.GetAsync(new Uri(webhook, "/readyz"));
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            if (response.IsSuccessStatusCode || DateTime.UtcNow > until)
            {
                return $"HTTP {(int)response.StatusCode}: {body}";
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>The pod the demo admits: what the checkout ReplicaSet would create, generously sized by hand.</summary>
public static class SamplePod
{
    public const string Json = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"generateName":"checkout-6c9d8b7f5-","namespace":"shop",
           "labels":{"app":"checkout","pod-template-hash":"6c9d8b7f5"},
           "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"checkout-6c9d8b7f5",
             "uid":"0f6b1e3a-3c1d-4d2e-9a7b-5e8c4b2a1d90","controller":true,"blockOwnerDeletion":true}]},
         "spec":{"containers":[
           {"name":"app","image":"shop/checkout:1.8.2",
            "resources":{"requests":{"cpu":"500m","memory":"2Gi"},"limits":{"cpu":"1","memory":"3Gi"}}},
           {"name":"log-shipper","image":"fluent-bit:3.1",
            "resources":{"requests":{"cpu":"50m","memory":"64Mi"},"limits":{"memory":"128Mi"}}}]}}
        """;
}
