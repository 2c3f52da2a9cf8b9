using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Configuration;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Report;

/// <summary><c>resorcerer-profiler report</c>: the running pods' requests against the recommendations, from the command line.</summary>
public static class ReportCommand
{
    private const string S = "Report:";

    public static IReadOnlyList<CliOption> Options { get; } =
    [
        new("redis", S + "Redis", "StackExchange.Redis configuration string of the Redis that holds the profiles. Required.", "CONFIG"),
        new("prometheus-url", S + "PrometheusUrl", "Base URL of the Prometheus that holds kube-state-metrics (the pods' requests and owners). Required.", "URL"),
        new("namespace", S + "Namespace", "Only this namespace's workloads.", "NS"),
        new("format", S + "Format", "table (for people), json (the same as GET /api/v1/report), yaml (the same document), csv, markdown, html (one self-contained file with bar plots, to mail), or patches: with --output, one strategic-merge patch per workload and a kustomization.yaml, to commit beside the manifests.", "table|json|yaml|csv|markdown|html|patches", "table"),
        new("output", S + "Output", "Directory the patches are written to (--format patches); made if missing.", "DIR"),
        new("sort", S + "Sort", "savings (most saved first), risk (under-provisioned first) or name.", "savings|risk|name", "savings"),
        new("cpu-price-per-core-hour", S + "CpuPricePerCoreHour", "Price of one core for an hour (default: OpenCost's default on-demand price, GCP us-central1).", "PRICE", "0.031611"),
        new("memory-price-per-gib-hour", S + "MemoryPricePerGibHour", "Price of one GiB of memory for an hour (default: OpenCost's default on-demand price).", "PRICE", "0.004237"),
    ];

    public const string Usage = "resorcerer-profiler report --redis CONFIG --prometheus-url URL [--namespace NS] [--format table|json|yaml|csv|markdown|html|patches --output DIR] [--sort savings|risk|name]";

    public const string Description =
        """
        Sets each profiled container's current requests and limits (the average over its workload's Running pods,
        from kube-state-metrics) beside what resorcerer would give a pod like them, with the change per pod and
        what it saves, or costs, for the replicas in cores, GiB and money a month. A container is waste when it
        asks for more than 10% above its recommendation, at risk when more than 10% below.
        Exit codes: 0 done, 1 Redis or Prometheus cannot be read, 2 bad options.
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var cli = CommandLine.Parse(args, Options);
        if (cli.HelpRequested)
        {
            stdout.Write(CommandLine.Help(Usage, Description, Options));
            return 0;
        }

        var values = CommandLine.Settings(cli, Options);

        var redis = values.GetValueOrDefault(S + "Redis");
        var prometheusUrl = values.GetValueOrDefault(S + "PrometheusUrl");
        var namespaceName = values.GetValueOrDefault(S + "Namespace");
        var format = values.GetValueOrDefault(S + "Format") ?? "table";
        var output = values.GetValueOrDefault(S + "Output");
        var sort = values.GetValueOrDefault(S + "Sort") ?? "savings";
        var cpuPrice = Price(values.GetValueOrDefault(S + "CpuPricePerCoreHour"), Prices.Default.CpuPerCoreHour);
        var memoryPrice = Price(values.GetValueOrDefault(S + "MemoryPricePerGibHour"), Prices.Default.MemoryPerGibHour);
        var problem = !cli.IsValid ? cli.Error
            : string.IsNullOrWhiteSpace(redis) ? "--redis is required"
            : RedisSettings.Check(redis) is { } redisProblem ? $"--redis: {redisProblem}"
            : !Uri.TryCreate(prometheusUrl, UriKind.Absolute, out var prometheus) || prometheus.Scheme is not ("http" or "https") ? "--prometheus-url is required: an http:// or https:// URL"
            : namespaceName is not null && !Resorcerer.Workloads.WorkloadNaming.IsNamespaceName(namespaceName) ? $"--namespace '{namespaceName}' is not a valid namespace name"
            : format != "patches" && !ReportFormats.Names.Contains(format) ? $"--format '{format}' is not one of {string.Join(", ", ReportFormats.Names)}, patches"
            : format == "patches" && string.IsNullOrWhiteSpace(output) ? "--format patches needs --output DIR, the directory to write the patches to"
            : !ReportFormats.Sorts.Contains(sort) ? $"--sort '{sort}' is not one of {string.Join(", ", ReportFormats.Sorts)}"
            : cpuPrice is null ? "--cpu-price-per-core-hour must be a price of 0 or more"
            : memoryPrice is null ? "--memory-price-per-gib-hour must be a price of 0 or more"
            : null;
        if (problem is not null)
        {
            stderr.WriteLine($"resorcerer-profiler report: {problem}. Run 'resorcerer-profiler report --help' for the options.");
            return 2;
        }

        var prices = new Prices(cpuPrice!.Value, memoryPrice!.Value);
        var now = DateTimeOffset.UtcNow;
        IReadOnlyList<ContainerReport> report;
        try
        {
            var settings = RedisSettings.Parse(redis!, TimeSpan.FromSeconds(5));
            settings.AbortOnConnectFail = true;
            await using var connection = await ConnectionMultiplexer.ConnectAsync(settings);
            using var http = new HttpClient { BaseAddress = new Uri(prometheusUrl!.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
            var client = new PrometheusClient(http);
            var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
            var usage = new PrometheusUsageSource(client, Microsoft.Extensions.Options.Options.Create(new ProfilerOptions { PrometheusUrl = prometheusUrl }));
            report = await ReportLoader.LoadAsync(store, store, new RunningResources(client), usage, namespaceName, now, prices, CancellationToken.None);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ArgumentException)
        {
            stderr.WriteLine($"resorcerer-profiler report: cannot read the profiles from Redis at {RedisSettings.Redacted(redis!)}: {e.Message.Split(". ", 2)[0].TrimEnd('.')}");
            return 1;
        }
        catch (Exception e) when (e is PrometheusException or HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"resorcerer-profiler report: cannot read the pods' requests from Prometheus at {prometheusUrl}: {e.Message}");
            return 1;
        }

        if (format == "patches")
        {
            try
            {
                Directory.CreateDirectory(output!);
                var files = ReportPatches.Write(report);
                foreach (var (name, content) in files)
                {
                    await File.WriteAllTextAsync(Path.Combine(output!, name), content);
                }

                stdout.WriteLine($"{files.Count - 1} patch(es) and kustomization.yaml written to {output}");
                return 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"resorcerer-profiler report: cannot write the patches to --output '{output}': {e.Message}");
                return 2;
            }
        }

        stdout.Write(ReportFormats.Write(ReportFormats.Sorted(report, sort), format, now, prices));
        return 0;
    }

    private static double? Price(string? text, double fallback) =>
        text is null ? fallback
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var price) && price >= 0 && double.IsFinite(price) ? price
        : null;
}
