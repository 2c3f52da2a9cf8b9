using Resorcerer.Configuration;
using Resorcerer.Hosting;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.PrometheusApi;

namespace Resorcerer.Profiler;

/// <summary>The profiler's command line: every setting with its flag, variable, key, default and help.</summary>
public static class ProfilerCli
{
    private const string S = ProfilerOptions.Section + ":";

    public static IReadOnlyList<CliOption> Options { get; } =
    [
        .. PrometheusSettings.Options(ProfilerOptions.Section, required: true),
        new("redis", S + "Redis", "StackExchange.Redis configuration string of the Redis that holds the profiles, e.g. redis:6379,password=secret. Required.", "CONFIG"),
        new("namespaces", S + "Namespaces", "Comma-separated namespaces to profile. Without it, the namespaces labelled resorcerer.io/enabled=true are found through the Kubernetes API (in-cluster, or from KUBECONFIG / ~/.kube/config).", "NS[,NS...]"),
        new("redis-v1-keys", S + "RedisV1Keys", "Also write the profiles under the v1 Redis keys (resorcerer:v1:profile:...), for readers that have not moved to the v2 layout; set false once they have. Never written on a Redis Cluster, where they would span hash slots.", "BOOL", "true"),
        new("once", S + "Once", "Run one profiling cycle and exit: 0 on success, 1 when Prometheus, Redis or Kubernetes cannot be used."),
        new("strategy", S + "Strategy", $"How usage becomes recommendations: {StrategyCatalog.Names}. 'resorcerer-profiler backtest' compares them on your own data.", "NAME", "resorcerer"),
        new("interval", S + "Interval", "Time between profiling cycles when running continuously.", "DURATION", "5m"),
        new("history", S + "History", "How far back each cycle reads usage; at most 90d.", "DURATION", "7d"),
        new("step", S + "Step", "Resolution of the usage samples read from Prometheus.", "DURATION", "1m"),
        new("min-history", S + "MinHistory", "A container's CPU or memory is profiled only once its samples span at least this long; until then the stored profile (if any) is kept.", "DURATION", "3h"),
        new("min-samples", S + "MinSamples", "A container's CPU or memory is profiled only with at least this many samples.", "N", "100"),
        new("lag", S + "Lag", "Leave out the newest data, younger than this, so that late scrapes are not missed.", "DURATION", "1m"),
        new("backfill-chunk", S + "BackfillChunk", "Length of one read when catching up on history (first start, newly opted-in namespace); shorter reads hold less in memory at once.", "DURATION", "1h"),
        new("retries", S + "Retries", "How many times a failed or partial Prometheus read is retried, waiting --retry-delay, then twice as long each time.", "N", "3"),
        new("retry-delay", S + "RetryDelay", "First wait before retrying a Prometheus read.", "DURATION", "5s"),
        new("connection-window", S + "ConnectionWindow", "Window over which service-mesh traffic (Linkerd or Istio) is averaged into each workload's connections, read every cycle; 0s reads none.", "DURATION", "1h"),
        new("forget-after", S + "ForgetAfter", "A workload with no usage for this long (deleted, scaled to zero) has its profile and learned state removed.", "DURATION", "7d"),
        new("deleted-grace", S + "DeletedGrace", "A workload deleted from the cluster keeps its profile this long, so that one re-created at once finds it again.", "DURATION", "1h"),
        .. LeaderGate.Options(ProfilerOptions.Section, "resorcerer-profiler"),
        new("max-points-per-query", S + "MaxPointsPerQuery", "Points per series in one range query; longer ranges are read in several queries.", "N", "10000"),
        new("urls", "urls", "Where the health and metrics endpoints listen when running continuously.", "URLS", "http://0.0.0.0:8080"),
        new("cpu-price-per-core-hour", S + "CpuPricePerCoreHour", "Price of one core for an hour, for the money columns of GET /api/v1/report (default: OpenCost's default on-demand price, GCP us-central1).", "PRICE", "0.031611"),
        new("memory-price-per-gib-hour", S + "MemoryPricePerGibHour", "Price of one GiB of memory for an hour, for the report (default: OpenCost's default on-demand price).", "PRICE", "0.004237"),
        new("dashboard-cache", S + "DashboardCache", "How long the dashboard (at / on --urls) shows the report it read from Redis and Prometheus before reading it again (in the background: pages never wait but for the first); 0s reads it again after every page.", "DURATION", "30s"),
        new("watcher-urls", S + "WatcherUrls", "Where the load-watcher API for Trimaran's scheduler plugins listens (GET /watcher[?host=NODE], /watcher/health), on every replica; empty turns it off.", "URLS", ProfilerOptions.DefaultWatcherUrls),
        new("node-label", S + "NodeLabel", "Label of the node series (recording rules, node-exporter, cAdvisor) that names the node, as the scheduler knows it: 'instance' where it is relabelled to the node name (kube-prometheus does for node-exporter), 'node' for the kubelet's cAdvisor series, 'nodename' for node_uname_info joins.", "LABEL", "instance"),
        new("watcher-refresh", S + "WatcherRefresh", "How often the node load (15m, 10m and 5m windows) is read from Prometheus.", "DURATION", "1m"),
    ];

    public const string Usage = "resorcerer-profiler --prometheus-url URL --redis CONFIG [options]\n       resorcerer-profiler backtest --trace FILE [options]   (see backtest --help)\n       resorcerer-profiler graph --redis CONFIG [options]    (see graph --help)\n       resorcerer-profiler report --redis CONFIG --prometheus-url URL [options]   (see report --help)";

    public const string Description =
        """
        Learns a CPU and memory profile for every workload (Deployment, StatefulSet, DaemonSet, Job) in the
        profiled namespaces from cAdvisor and kube-state-metrics series in Prometheus, and writes one profile
        per workload to Redis, where resorcerer's admission webhook reads it. A workload whose data in a cycle
        is too thin keeps its stored profile. Where Linkerd or Istio runs, profiles also hold each workload's
        connections (who it talks to, requests per minute and bytes per second); 'resorcerer-profiler graph'
        prints them as a service graph.
        Durations are written like 30s, 5m, 1h30m, 7d. Settings can also come from RESORCERER_* environment
        variables and from appsettings.json; the command line wins.
        """;

    public const string Footer =
        """
        Endpoints when running continuously (on --urls): GET / (the dashboard: every workload's requests against its
        recommendation, a page per workload with its usage plotted), GET /api/v1/profiles[?namespace=NS],
        GET /api/v1/profiles/NS/KIND/NAME, GET /api/v1/report[?namespace=NS&format=F&sort=S],
        GET /api/v1/graph[?namespace=NS], GET /healthz, GET /readyz, GET /metrics; on --watcher-urls GET /watcher[?host=NODE].
        Subcommands: backtest, graph, report (each with --help).
        Exit codes: 0 success, 1 a dependency failed, 2 invalid settings.
        """;
}
