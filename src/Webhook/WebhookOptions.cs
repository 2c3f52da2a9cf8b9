using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Storage;

namespace Resorcerer.Webhook;

/// <summary>The webhook's settings (configuration section <c>Webhook</c>); see <see cref="WebhookCli"/> for their flags.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhook";
    public const string DefaultUrls = "https://0.0.0.0:8443";

    public string? Redis { get; set; }

    public string? TlsCert { get; set; }

    public string? TlsKey { get; set; }

    /// <summary>How often the in-memory profiles are brought in step with Redis (changes announced on pub/sub come at once).</summary>
    public Duration SyncInterval { get; set; } = Duration.FromSeconds(1);

    /// <summary>How long the webhook reports not ready while it loads the profiles; past it, it serves without them.</summary>
    public Duration MaxStartWait { get; set; } = Duration.FromSeconds(30);

    /// <summary>Deadline of one Redis call of a sync (never of an admission: admissions do not read Redis).</summary>
    public Duration RedisTimeout { get; set; } = Duration.FromSeconds(2);

    /// <summary>Largest request body read; larger ones are refused before they are read.</summary>
    public long MaxBodyBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Heaviest outbound and inbound connections each put in the connection-profile annotation; 0 leaves it out.</summary>
    public int MaxConnectionEdges { get; set; } = Sizing.ConnectionAnnotation.DefaultMaxEdges;

    /// <summary>A profile older than this is not applied (the profiler may have stopped).</summary>
    public Duration MaxProfileAge { get; set; } = Duration.FromDays(7);

    /// <summary>A profile built on less history than this is not applied.</summary>
    public Duration MinProfileHistory { get; set; } = Duration.FromHours(3);

    /// <summary>Pool threads kept ready while a Redis connection is down (see <see cref="Hosting.FailoverThreads"/>).</summary>
    public int FailoverPoolThreads { get; set; } = 16;

    /// <summary>How often the certificate files are checked for a renewal.</summary>
    public Duration TlsReloadInterval { get; set; } = Duration.FromSeconds(10);
}

/// <summary>Checks every setting at start-up; each failure names the flag and says what is wrong.</summary>
public sealed class WebhookOptionsValidator(IConfiguration configuration) : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add("--redis is required: a StackExchange.Redis configuration string, e.g. redis:6379,password=...");
        }
        else if (RedisSettings.Check(options.Redis) is { } redisError)
        {
            failures.Add($"--redis: {redisError}");
        }

        var urls = configuration["urls"] ?? WebhookOptions.DefaultUrls;
        var https = urls.Contains("https://", StringComparison.OrdinalIgnoreCase);
        if (https && (string.IsNullOrWhiteSpace(options.TlsCert) || string.IsNullOrWhiteSpace(options.TlsKey)))
        {
            failures.Add($"--tls-cert and --tls-key are required to serve {urls}: kube-apiserver only calls webhooks over HTTPS");
        }

        foreach (var (flag, path) in new[] { ("--tls-cert", options.TlsCert), ("--tls-key", options.TlsKey) })
        {
            if (!string.IsNullOrWhiteSpace(path) && !File.Exists(path))
            {
                failures.Add($"{flag}: file '{path}' does not exist");
            }
        }

        if (options.RedisTimeout.Value < TimeSpan.FromMilliseconds(10) || options.RedisTimeout.Value > TimeSpan.FromMinutes(1))
        {
            failures.Add($"--redis-timeout {options.RedisTimeout} is out of range: use 10ms to 1m");
        }

        if (options.SyncInterval.Value < TimeSpan.FromMilliseconds(50) || options.SyncInterval.Value > TimeSpan.FromMinutes(10))
        {
            failures.Add($"--sync-interval {options.SyncInterval} is out of range: use 50ms to 10m");
        }

        if (options.MaxStartWait.Value < TimeSpan.Zero || options.MaxStartWait.Value > TimeSpan.FromHours(1))
        {
            failures.Add($"--max-start-wait {options.MaxStartWait} is out of range: use 0s to 1h");
        }

        if (options.TlsReloadInterval.Value < TimeSpan.FromMilliseconds(100))
        {
            failures.Add($"--tls-reload-interval {options.TlsReloadInterval} is too short: use 100ms or more");
        }

        if (options.MaxConnectionEdges is < 0 or > Sizing.ConnectionAnnotation.MostEdges)
        {
            failures.Add($"--max-connection-edges {options.MaxConnectionEdges} is out of range: use 0 (no annotation) to {Sizing.ConnectionAnnotation.MostEdges}");
        }

        if (options.FailoverPoolThreads is < 1 or > 1024)
        {
            failures.Add($"--failover-pool-threads {options.FailoverPoolThreads} is out of range: use 1 to 1024");
        }

        if (options.MaxBodyBytes < 64 * 1024)
        {
            failures.Add($"--max-body-bytes {options.MaxBodyBytes} is too small for a pod: use at least 65536");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The webhook's command line: every setting with its flag, variable, key, default and help.</summary>
public static class WebhookCli
{
    private const string S = WebhookOptions.Section + ":";

    public static IReadOnlyList<CliOption> Options { get; } =
    [
        new("redis", S + "Redis", "StackExchange.Redis configuration string of the Redis the profiler writes to. Required.", "CONFIG"),
        new("tls-cert", S + "TlsCert", "PEM file with the serving certificate (and chain). Required for https URLs.", "FILE"),
        new("tls-key", S + "TlsKey", "PEM file with the certificate's private key. Required for https URLs.", "FILE"),
        new("urls", "urls", "Where to listen, e.g. https://0.0.0.0:8443 (kube-apiserver needs HTTPS; plain http is for local experiments).", "URLS", WebhookOptions.DefaultUrls),
        new("sync-interval", S + "SyncInterval", "How often the profiles held in memory are brought in step with Redis (changes the profiler announces on pub/sub are picked up at once). Admissions never read Redis.", "DURATION", "1s"),
        new("max-start-wait", S + "MaxStartWait", "How long /readyz answers not ready while the profiles load at start; past it the webhook serves without them (pods admitted unchanged, with a warning) until they are in.", "DURATION", "30s"),
        new("redis-timeout", S + "RedisTimeout", "Deadline of one Redis call of a sync; a sync that fails keeps the profiles held and is retried.", "DURATION", "2s"),
        new("max-body-bytes", S + "MaxBodyBytes", "Largest AdmissionReview body read; past it the pod is admitted unchanged (if the request's uid came first) or the request refused, without reading the rest.", "BYTES", "4194304"),
        new("max-connection-edges", S + "MaxConnectionEdges", $"Heaviest outbound and inbound connections (service-mesh traffic) each written to the {ResorcererKeys.ConnectionProfileAnnotation} annotation, with a count of the rest; 0 leaves the annotation out.", "N", "5"),
        new("max-profile-age", S + "MaxProfileAge", "A profile older than this is not applied (the pod is only annotated, saying why).", "DURATION", "7d"),
        new("min-profile-history", S + "MinProfileHistory", "A profile built on less history than this is not applied (the pod is only annotated, saying why).", "DURATION", "3h"),
        new("failover-pool-threads", S + "FailoverPoolThreads", "Thread-pool threads kept ready while a Redis connection is down: the Redis client blocks some while it finds a new master through the sentinels, and admissions must not queue behind it. At other times the runtime's own count holds.", "N", "16"),
        new("tls-reload-interval", S + "TlsReloadInterval", "How often the certificate files are checked; a renewed certificate is served to new connections without a restart.", "DURATION", "10s"),
    ];

    public const string Usage = "resorcerer-webhook --redis CONFIG --tls-cert FILE --tls-key FILE [options]";

    public const string Description =
        """
        Mutating admission webhook: sets the CPU and memory requests of each new pod of an opted-in namespace
        from its workload's profile (written to Redis by resorcerer-profiler) and annotates the pod with the
        profile. It never refuses a pod: when anything goes wrong the pod is admitted unchanged with a warning.
        Settings can also come from RESORCERER_* environment variables and from appsettings.json.
        """;

    public const string Footer =
        """
        Endpoints: POST /mutate (AdmissionReview admission.k8s.io/v1), GET /healthz, GET /readyz, GET /metrics.
        Exit codes: 0 stopped normally, 2 invalid settings.
        """;
}
