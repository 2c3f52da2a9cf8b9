using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Hosting;
using Resorcerer.Profiles;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.Updating.Planning;
using Resorcerer.Workloads;

namespace Resorcerer.Updater;

/// <summary>The updater's settings (configuration section <c>Updater</c>); see <see cref="UpdaterCli"/> for their flags.</summary>
public sealed class UpdaterOptions : IPrometheusSettings, ILeaderElectionSettings
{
    public const string Section = "Updater";

    public string? Redis { get; set; }

    /// <summary>Comma-separated namespaces to act in; empty: every namespace whose pods have profiles.</summary>
    public string? Namespaces { get; set; }

    public Duration Interval { get; set; } = Duration.FromMinutes(1);

    public bool Once { get; set; }

    /// <summary>With <see cref="Once"/>: how long to wait for the resizes the pass started.</summary>
    public Duration OnceTimeout { get; set; } = Duration.FromMinutes(2);

    public bool DryRun { get; set; }

    public double MinChange { get; set; } = 0.10;

    public Duration MinAge { get; set; } = Duration.FromHours(12);

    public Duration MaxProfileAge { get; set; } = Duration.FromDays(7);

    public int MinReplicas { get; set; } = 2;

    public int MaxUpdatesPerMinute { get; set; } = 10;

    public Duration DeferredTimeout { get; set; } = Duration.FromMinutes(5);

    public Duration InProgressTimeout { get; set; } = Duration.FromHours(1);

    /// <summary>First pause for a workload whose actions failed; it doubles with each failure up to <see cref="MaxBackoff"/>.</summary>
    public Duration Backoff { get; set; } = Duration.FromMinutes(5);

    public Duration MaxBackoff { get; set; } = Duration.FromHours(1);

    /// <summary>The memory guard for workloads that set none: a working set at this share of the limit (0: off).</summary>
    public int MemoryThresholdPercent { get; set; }

    public double MemoryMultiplier { get; set; } = 2;

    public double MemoryLimitMargin { get; set; } = 1.2;

    public string? PrometheusUrl { get; set; }

    public string? PrometheusBearerTokenFile { get; set; }

    public string? PrometheusUsername { get; set; }

    public string? PrometheusPasswordFile { get; set; }

    public string? PrometheusCaFile { get; set; }

    public List<string> PrometheusHeaders { get; set; } = [];

    public Duration PrometheusTimeout { get; set; } = Duration.FromSeconds(30);

    public long MaxSamplesPerAnswer { get; set; } = PrometheusClient.DefaultMaxSamples;

    public bool LeaderElect { get; set; }

    public string? LeaderElectionNamespace { get; set; }

    public string LeaderElectionName { get; set; } = "resorcerer-updater";

    public Duration LeaseDuration { get; set; } = Duration.FromSeconds(15);

    public IReadOnlyList<string> NamespaceList =>
        (Namespaces ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The planner's rules from these settings.</summary>
    public UpdateSettings Rules => new()
    {
        MinChange = MinChange,
        MinAge = MinAge.Value,
        MaxProfileAge = MaxProfileAge.Value,
        MinReplicas = MinReplicas,
        DeferredTimeout = DeferredTimeout.Value,
        InProgressTimeout = InProgressTimeout.Value,
        DefaultMemoryGuard = MemoryThresholdPercent > 0 ? new MemoryGuard(MemoryThresholdPercent, MemoryMultiplier) : null,
        MemoryLimitMargin = MemoryLimitMargin,
    };
}

/// <summary>Checks every setting at start-up; each failure names the flag and says what is wrong.</summary>
public sealed class UpdaterOptionsValidator : IValidateOptions<UpdaterOptions>
{
    public ValidateOptionsResult Validate(string? name, UpdaterOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("--redis is required: a StackExchange.Redis configuration string of the Redis the profiler writes to, e.g. redis:6379");
        }
        else if (RedisSettings.Check(options.Redis) is { } redisError)
        {
            failures.Add($"--redis: {redisError}");
        }

        PrometheusSettings.Validate(options, required: false, failures);
        LeaderGate.Validate(options, options.Once, failures);
        foreach (var ns in options.NamespaceList.Where(ns => !WorkloadNaming.IsNamespaceName(ns)))
        {
            failures.Add($"--namespaces: '{ns}' is not a valid namespace name (lower-case letters, digits and '-', at most 63)");
        }

        void Require(bool condition, string failure)
        {
            if (!condition)
            {
                failures.Add(failure);
            }
        }

        Require(options.Interval >= Duration.FromSeconds(5), $"--interval {options.Interval} is too short: use 5s or more");
        Require(options.OnceTimeout >= Duration.FromSeconds(0) && options.OnceTimeout <= Duration.FromHours(1), $"--once-timeout {options.OnceTimeout} is out of range: use 0s to 1h");
        Require(options.MinChange is >= 0 and <= 10, $"--min-change {options.MinChange} is out of range: use 0 to 10 (0.1 is 10%)");
        Require(options.MinAge >= Duration.FromSeconds(0), $"--min-age {options.MinAge} must not be negative");
        Require(options.MaxProfileAge >= Duration.FromMinutes(1), $"--max-profile-age {options.MaxProfileAge} is too short: use 1m or more");
        Require(options.MinReplicas >= 1, $"--min-replicas {options.MinReplicas} must be at least 1");
        Require(options.MaxUpdatesPerMinute is >= 1 and <= 10_000, $"--max-updates-per-minute {options.MaxUpdatesPerMinute} is out of range: use 1 to 10000");
        Require(options.DeferredTimeout >= Duration.FromSeconds(1), $"--deferred-timeout {options.DeferredTimeout} is too short: use 1s or more");
        Require(options.InProgressTimeout >= Duration.FromSeconds(1), $"--in-progress-timeout {options.InProgressTimeout} is too short: use 1s or more");
        Require(options.Backoff >= Duration.FromSeconds(1), $"--backoff {options.Backoff} is too short: use 1s or more");
        Require(options.MaxBackoff >= options.Backoff, $"--max-backoff {options.MaxBackoff} is shorter than --backoff {options.Backoff}");
        Require(options.MemoryThresholdPercent is >= 0 and <= 100, $"--memory-threshold-percent {options.MemoryThresholdPercent} is out of range: use 1 to 100, or 0 for no default guard");
        Require(options.MemoryMultiplier is > 1 and <= 16, $"--memory-multiplier {options.MemoryMultiplier} is out of range: use more than 1 and at most 16");
        Require(options.MemoryLimitMargin is >= 1 and <= 10, $"--memory-limit-margin {options.MemoryLimitMargin} is out of range: use 1 to 10");
        Require(options.MemoryThresholdPercent == 0 || !string.IsNullOrWhiteSpace(options.PrometheusUrl),
            $"--memory-threshold-percent {options.MemoryThresholdPercent} needs --prometheus-url: the guard reads the containers' working sets from Prometheus");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
