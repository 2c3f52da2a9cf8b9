using Resorcerer.Configuration;
using Resorcerer.Hosting;
using Resorcerer.PrometheusApi;

namespace Resorcerer.Updater;

/// <summary>The updater's command line: every setting with its flag, variable, key, default and help.</summary>
public static class UpdaterCli
{
    private const string S = UpdaterOptions.Section + ":";

    public static IReadOnlyList<CliOption> Options { get; } =
    [
        new("redis", S + "Redis", "StackExchange.Redis configuration string of the Redis the profiler writes profiles to. Required.", "CONFIG"),
        new("namespaces", S + "Namespaces", "Comma-separated namespaces to act in; by default every namespace whose pods have profiles.", "NS,..."),
        new("interval", S + "Interval", "How often the running pods are checked against their profiles.", "DURATION", "1m"),
        new("once", S + "Once", "Run one pass, wait (at most --once-timeout) for the resizes it started, print what happened, exit."),
        new("once-timeout", S + "OnceTimeout", "With --once: how long to wait for the kubelet to apply the resizes the pass started.", "DURATION", "2m"),
        new("dry-run", S + "DryRun", "Print what would be done and do nothing: no resize, eviction, annotation or Event."),
        new("min-change", S + "MinChange", "A pod older than --min-age is updated when a request is this far from its target (0.1 is 10%).", "RATIO", "0.1"),
        new("min-age", S + "MinAge", "Younger pods are updated only when a request is outside the profile's bounds (or after an OOM kill, or by the memory guard).", "DURATION", "12h"),
        new("max-profile-age", S + "MaxProfileAge", "A profile older than this moves no pod towards its targets (OOM kills, the memory guard and start-up boosts still act).", "DURATION", "7d"),
        new("min-replicas", S + "MinReplicas", "A pod is evicted only while its workload has at least this many Ready pods.", "N", "2"),
        new("max-updates-per-minute", S + "MaxUpdatesPerMinute", "Resizes and evictions across the cluster in any one minute.", "N", "10"),
        new("deferred-timeout", S + "DeferredTimeout", "A resize the kubelet defers for longer falls back (eviction in InPlaceOrRecreate, an Event in InPlace).", "DURATION", "5m"),
        new("in-progress-timeout", S + "InProgressTimeout", "A resize in progress for longer falls back.", "DURATION", "1h"),
        new("backoff", S + "Backoff", "A workload whose resize or eviction failed is left alone this long, twice as long after each further failure.", "DURATION", "5m"),
        new("max-backoff", S + "MaxBackoff", "The longest a failing workload is left alone.", "DURATION", "1h"),
        new("memory-threshold-percent", S + "MemoryThresholdPercent", "The memory guard for workloads that set none (resorcerer.io/memory-threshold-percent): act when a container's working set reaches this share of its memory limit (of its request without one). 0: off.", "PERCENT", "0"),
        new("memory-multiplier", S + "MemoryMultiplier", "What the memory guard multiplies a container's memory request and limit by, within the policy's maximum.", "FACTOR", "2"),
        new("memory-limit-margin", S + "MemoryLimitMargin", "A memory limit is never lowered below the container's working set times this.", "FACTOR", "1.2"),
        .. PrometheusSettings.Options(UpdaterOptions.Section, required: false),
        .. LeaderGate.Options(UpdaterOptions.Section, "resorcerer-updater"),
        new("urls", "urls", "Where the health and metrics endpoints listen when running continuously.", "URLS", "http://0.0.0.0:8080"),
    ];

    public const string Usage = "resorcerer-updater --redis CONFIG [--prometheus-url URL] [options]";

    public const string Description =
        """
        Acts on the running pods of profiled workloads, in the namespaces and workloads whose resorcerer.io/mode
        asks for it: InPlace resizes them through the pods' resize subresource and never evicts; InPlaceOrRecreate
        resizes and evicts (Eviction API, PodDisruptionBudgets respected) what cannot be resized; Recreate evicts,
        and the admission webhook sizes the replacement. Initial (the default) and Off change no running pod, but a
        CPU start-up boost given at admission is still taken back once the pod has been Ready for its duration.
        A pod is updated when a request is outside its profile's bounds, when it is older than --min-age and a
        request is more than --min-change from its target, when a container was OOM-killed (memory goes up at
        once), or when the memory guard sees a working set near its limit. One pod of a workload at a time, at
        most --max-updates-per-minute actions, never a pod labelled resorcerer.io/skip=true; every action is an
        Event on the pod and a line in the log.
        Durations are written like 30s, 5m, 1h30m, 7d. Settings can also come from RESORCERER_* environment
        variables and from appsettings.json; the command line wins.
        """;

    public const string Footer =
        """
        Needs Kubernetes 1.33 or newer to resize in place (1.35 recommended), and RBAC to get, list, watch and patch
        pods, patch pods/resize, create pods/eviction and events (and leases with --leader-elect).
        Endpoints when running continuously: GET /healthz, GET /readyz, GET /metrics.
        Exit codes: 0 success, 1 Redis or the Kubernetes API cannot be used, 2 invalid settings.
        """;
}
