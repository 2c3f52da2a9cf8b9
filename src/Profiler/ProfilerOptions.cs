using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Hosting;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler;

/// <summary>The profiler's settings (configuration section <c>Profiler</c>); see <see cref="ProfilerCli"/> for their flags.</summary>
public sealed class ProfilerOptions : IPrometheusSettings, ILeaderElectionSettings
{
    public const string Section = "Profiler";

    public string? PrometheusUrl { get; set; }

    public string? Redis { get; set; }

    /// <summary>A file holding a bearer token for Prometheus, read at each request (rotated tokens are picked up).</summary>
    public string? PrometheusBearerTokenFile { get; set; }

    public string? PrometheusUsername { get; set; }

    public string? PrometheusPasswordFile { get; set; }

    /// <summary>PEM file of the authorities that may sign the Prometheus server's certificate.</summary>
    public string? PrometheusCaFile { get; set; }

    /// <summary>Extra request headers, each <c>Name: value</c> (e.g. <c>X-Scope-OrgID: team-a</c>).</summary>
    public List<string> PrometheusHeaders { get; set; } = [];

    /// <summary>Comma-separated namespaces; empty means "discover opted-in namespaces through the Kubernetes API".</summary>
    public string? Namespaces { get; set; }

    public bool Once { get; set; }

    public Duration Interval { get; set; } = Duration.FromMinutes(5);

    public Duration History { get; set; } = Duration.FromDays(7);

    public Duration Step { get; set; } = Duration.FromMinutes(1);

    public Duration MinHistory { get; set; } = Duration.FromHours(3);

    public int MinSamples { get; set; } = 100;

    public Duration PrometheusTimeout { get; set; } = Duration.FromSeconds(60);

    /// <summary>The newest data read is this old, so that late scrapes are not missed.</summary>
    public Duration Lag { get; set; } = Duration.FromMinutes(1);

    /// <summary>History is read in chunks of this length (first start, new namespaces, catching up).</summary>
    public Duration BackfillChunk { get; set; } = Duration.FromHours(1);

    /// <summary>A failed or partial Prometheus read is retried this many times, waiting RetryDelay, then twice that, ...</summary>
    public int Retries { get; set; } = 3;

    public Duration RetryDelay { get; set; } = Duration.FromSeconds(5);

    /// <summary>Service-mesh traffic is averaged over this window, ending at the cycle's end; 0s reads none.</summary>
    public Duration ConnectionWindow { get; set; } = Duration.FromHours(1);

    /// <summary>A workload with no usage for this long has its profile and state removed.</summary>
    public Duration ForgetAfter { get; set; } = Duration.FromDays(7);

    /// <summary>A workload deleted from the cluster keeps its profile this long (a re-created workload finds it again).</summary>
    public Duration DeletedGrace { get; set; } = Duration.FromHours(1);

    /// <summary>Price of a core for an hour, for the report's money columns (OpenCost's default on-demand price).</summary>
    public double CpuPricePerCoreHour { get; set; } = Report.Prices.Default.CpuPerCoreHour;

    /// <summary>Price of a GiB of memory for an hour (OpenCost's default on-demand price).</summary>
    public double MemoryPricePerGibHour { get; set; } = Report.Prices.Default.MemoryPerGibHour;

    /// <summary>The prices of <see cref="CpuPricePerCoreHour"/> and <see cref="MemoryPricePerGibHour"/>.</summary>
    public Report.Prices Prices => new(CpuPricePerCoreHour, MemoryPricePerGibHour);

    /// <summary>How long the dashboard shows the report it read (profiles and running requests) before reading it again in the background.</summary>
    public Duration DashboardCache { get; set; } = Duration.FromSeconds(30);

    public const string DefaultWatcherUrls = "http://0.0.0.0:2020";

    /// <summary>Where the load-watcher API for scheduler plugins listens; empty turns it off.</summary>
    public string WatcherUrls { get; set; } = DefaultWatcherUrls;

    /// <summary>The label of the node series that holds the node's name.</summary>
    public string NodeLabel { get; set; } = "instance";

    /// <summary>How often the node load is read from Prometheus.</summary>
    public Duration WatcherRefresh { get; set; } = Duration.FromMinutes(1);

    /// <summary><see cref="WatcherUrls"/> split on ';' or ','.</summary>
    public IReadOnlyList<string> WatcherUrlList =>
        (WatcherUrls ?? string.Empty).Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Also write the v1 Redis keys, for readers that have not moved to v2 (never on a Redis Cluster).</summary>
    public bool RedisV1Keys { get; set; } = true;

    /// <summary>Campaign for a Kubernetes Lease and profile only while holding it.</summary>
    public bool LeaderElect { get; set; }

    /// <summary>Namespace of the Lease; empty means this pod's own namespace.</summary>
    public string? LeaderElectionNamespace { get; set; }

    public string LeaderElectionName { get; set; } = "resorcerer-profiler";

    /// <summary>How long a Lease holds without renewal; the leader renews well within it.</summary>
    public Duration LeaseDuration { get; set; } = Duration.FromSeconds(15);

    /// <summary>The recommendation strategy: resorcerer (default), vpa or krr.</summary>
    public string Strategy { get; set; } = "resorcerer";

    /// <summary>Points per series in one range query; longer ranges are split. Prometheus refuses more than 11,000.</summary>
    public int MaxPointsPerQuery { get; set; } = 10_000;

    /// <summary>Samples one answer may hold; a larger one is refused unread and the query split. Bounds the profiler's memory.</summary>
    public long MaxSamplesPerAnswer { get; set; } = PrometheusClient.DefaultMaxSamples;

    /// <summary>The longest <see cref="History"/>: a container's state keeps a peak per day of it.</summary>
    public static readonly Duration MaxHistory = Duration.FromDays(90);

    public IReadOnlyList<string> NamespaceList =>
        (Namespaces ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
}

/// <summary>Checks every setting at start-up; each failure names the flag and says what is wrong.</summary>
public sealed class ProfilerOptionsValidator : IValidateOptions<ProfilerOptions>
{
    public ValidateOptionsResult Validate(string? name, ProfilerOptions options)
    {
        var failures = new List<string>();
        PrometheusSettings.Validate(options, required: true, failures);
        LeaderGate.Validate(options, options.Once, failures);

        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("--redis is required: a StackExchange.Redis configuration string, e.g. localhost:6379 or redis:6379,password=...");
        }
        else if (RedisSettings.Check(options.Redis) is { } redisError)
        {
            failures.Add($"--redis: {redisError}");
        }

        foreach (var ns in options.NamespaceList.Where(ns => !WorkloadNaming.IsNamespaceName(ns)))
        {
            failures.Add($"--namespaces: '{ns}' is not a valid namespace name (lower-case letters, digits and '-', at most 63)");
        }

        Require(options.Interval >= Duration.FromSeconds(10), $"--interval {options.Interval} is too short: use 10s or more");
        Require(options.Step >= Duration.FromSeconds(1) && options.Step <= Duration.FromHours(1),
            $"--step {options.Step} is out of range: use 1s to 1h");
        Require(options.History.Value >= options.Step.Value * 2, $"--history {options.History} must cover at least two steps of {options.Step}");
        Require(options.History <= ProfilerOptions.MaxHistory,
            $"--history {options.History} is longer than {ProfilerOptions.MaxHistory}, the most a profile can rest on (each container keeps a peak per day of it)");

        Require(options.MinHistory <= options.History,
            $"--min-history {options.MinHistory} is longer than --history {options.History}: no workload could ever qualify");
        Require(options.MinSamples >= 1, $"--min-samples {options.MinSamples} must be at least 1");
        Require(options.Lag.Value >= TimeSpan.Zero && options.Lag.Value <= TimeSpan.FromHours(1), $"--lag {options.Lag} is out of range: use 0s to 1h");
        Require(options.BackfillChunk.Value >= options.Step.Value, $"--backfill-chunk {options.BackfillChunk} is shorter than --step {options.Step}");
        Require(options.ConnectionWindow.Value == TimeSpan.Zero || (options.ConnectionWindow.Value >= options.Step.Value * 2 && options.ConnectionWindow.Value <= TimeSpan.FromDays(1)),
            $"--connection-window {options.ConnectionWindow} is out of range: use 0s (off), or two steps of {options.Step} up to 1d");
        Require(options.Retries is >= 0 and <= 10, $"--retries {options.Retries} is out of range: use 0 to 10");
        Require(options.ForgetAfter.Value >= TimeSpan.FromHours(1), $"--forget-after {options.ForgetAfter} is too short: use 1h or more");
        Require(StrategyCatalog.Find(options.Strategy) is not null,
            $"--strategy '{options.Strategy}' is not a strategy: use one of {StrategyCatalog.Names}");
        foreach (var url in options.WatcherUrlList.Where(u => !Uri.TryCreate(u, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https")))
        {
            failures.Add($"--watcher-urls: '{url}' is not an http:// or https:// URL to listen on");
        }

        Require(NodeLoad.NodeLoadQueries.IsLabelName(options.NodeLabel ?? string.Empty),
            $"--node-label '{options.NodeLabel}' is not a Prometheus label name (letters, digits and '_', not starting with a digit)");
        Require(options.CpuPricePerCoreHour >= 0 && double.IsFinite(options.CpuPricePerCoreHour),
            $"--cpu-price-per-core-hour {options.CpuPricePerCoreHour} must be a price of 0 or more");
        Require(options.MemoryPricePerGibHour >= 0 && double.IsFinite(options.MemoryPricePerGibHour),
            $"--memory-price-per-gib-hour {options.MemoryPricePerGibHour} must be a price of 0 or more");
        Require(options.DashboardCache >= Duration.FromSeconds(0) && options.DashboardCache <= Duration.FromMinutes(10),
            $"--dashboard-cache {options.DashboardCache} is out of range: use 0s (read every time) to 10m");
        Require(options.WatcherRefresh >= Duration.FromSeconds(10) && options.WatcherRefresh <= Duration.FromMinutes(10),
            $"--watcher-refresh {options.WatcherRefresh} is out of range: use 10s to 10m");
        Require(options.MaxPointsPerQuery is >= 10 and <= 11_000,
            $"--max-points-per-query {options.MaxPointsPerQuery} is out of range: use 10 to 11000 (Prometheus's own limit)");


        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Require(bool condition, string failure)
        {
            if (!condition)
            {
                failures.Add(failure);
            }
        }
    }
}
