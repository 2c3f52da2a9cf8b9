using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prometheus;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiler.Workloads;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests;

/// <summary>Tests that share one real Prometheus holding <see cref="TestCluster"/> and one real Redis.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>The profiler's parts wired to the fixture's servers, as Program wires them to real ones.</summary>
public sealed class ProfilerHarness : IAsyncDisposable
{
    private readonly HttpClient _http;

    public ProfilerHarness(ClusterFixture cluster, Action<ProfilerOptions>? configure = null)
        : this(cluster.Prometheus, cluster.Redis, TestCluster.Namespace, configure)
    {
    }

    public ProfilerHarness(IPrometheusUnderTest prometheus, IRedisUnderTest redis, string namespaces, Action<ProfilerOptions>? configure = null)
        : this(prometheus, redis.Configuration, namespaces, configure)
    {
    }

    public ProfilerHarness(IPrometheusUnderTest prometheus, string redis, string namespaces, Action<ProfilerOptions>? configure = null)
    {
        var settings = new ProfilerOptions
        {
            PrometheusUrl = prometheus.Url.ToString(),
            Redis = redis,
            Namespaces = namespaces,
            History = Configuration.Duration.FromHours(12),
        };
        configure?.Invoke(settings);
        Options = Microsoft.Extensions.Options.Options.Create(settings);
        _http = new HttpClient { BaseAddress = new Uri(settings.PrometheusUrl!), Timeout = settings.PrometheusTimeout };
        var client = new PrometheusClient(_http);
        Source = new PrometheusUsageSource(client, Options);
        Mesh = new PrometheusConnectionSource(client);
        var redisOptions = RedisSettings.Parse(settings.Redis!);
        redisOptions.AllowAdmin = true;
        Redis = ConnectionMultiplexer.Connect(redisOptions);
        Store = new RedisProfileStore(Redis, NullLogger<RedisProfileStore>.Instance);
        Checkpoints = RedisCheckpointStore.Create(Redis, Options);
        Cycle = NewCycle();
    }

    /// <summary>A new cycle with empty memory, as after a restart; it shares the servers and the checkpoints.</summary>
    public ProfilingCycle NewCycle(IUsageSource? source = null, TimeProvider? time = null, TimeProvider? clock = null, IWorkloadCatalog? events = null,
        IConnectionSource? mesh = null, ICheckpointStore? checkpoints = null) => new(
        new ConfiguredNamespaces(Options), events ?? new NoWorkloadCatalog(), source ?? Source, mesh ?? Mesh, Store, checkpoints ?? Checkpoints,
        StrategyCatalog.Find(Options.Value.Strategy)!,
        clock ?? time ?? TimeProvider.System, Options,
        new ProfilerMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())), NullLogger<ProfilingCycle>.Instance);

    public RedisCheckpointStore Checkpoints { get; }

    public IOptions<ProfilerOptions> Options { get; }

    public PrometheusUsageSource Source { get; }

    public PrometheusConnectionSource Mesh { get; }

    public ConnectionMultiplexer Redis { get; }

    public RedisProfileStore Store { get; }

    public ProfilingCycle Cycle { get; private set; }

    public Task FlushRedisAsync() => Redis.GetServers()[0].FlushAllDatabasesAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Redis.DisposeAsync();
    }
}
