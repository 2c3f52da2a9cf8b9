using k8s;
using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Dashboard;
using Resorcerer.Profiler.NodeLoad;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiler.Workloads;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Hosting;

public static class ProfilerServices
{
    /// <summary>Registers the profiler: options (validated at start), Prometheus, Redis, Kubernetes and the cycle.</summary>
    public static IServiceCollection AddProfiler(this IServiceCollection services)
    {
        services.AddOptions<ProfilerOptions>().BindConfiguration(ProfilerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProfilerOptions>, ProfilerOptionsValidator>();
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<ProfilerMetrics>();

        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ProfilerOptions>>().Value;
            return new PrometheusClient(PrometheusHttp.Create(options), provider.GetRequiredService<ProfilerMetrics>().RecordQuery, options.MaxSamplesPerAnswer);
        });
        services.AddSingleton<PrometheusUsageSource>();
        services.AddSingleton<Report.RunningResources>();
        services.AddSingleton<Dashboard.DashboardMetrics>();
        services.AddSingleton<Dashboard.DashboardReports>();
        services.AddSingleton<Dashboard.UsageHistoryReader>();
        services.AddSingleton<IUpdateLog>(provider => new RedisUpdateLog(provider.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<IMemoryPressureLog>(provider => new RedisMemoryPressureLog(provider.GetRequiredService<IConnectionMultiplexer>()));
        // The updater's memory guard tells of pressure it acted on; it is learned from as OOM kills are.
        services.AddSingleton<IUsageSource>(provider => ActivatorUtilities.CreateInstance<PressureAwareUsageSource>(
            provider, provider.GetRequiredService<PrometheusUsageSource>()));
        services.AddSingleton<IConnectionSource, PrometheusConnectionSource>();

        services.AddSingleton<IConnectionMultiplexer>(provider =>
            ConnectionMultiplexer.Connect(RedisSettings.Parse(provider.GetRequiredService<IOptions<ProfilerOptions>>().Value.Redis!)));
        services.AddSingleton(provider => new RedisProfileStore(
            provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<ILogger<RedisProfileStore>>())
        {
            WriteV1 = provider.GetRequiredService<IOptions<ProfilerOptions>>().Value.RedisV1Keys,
        });
        services.AddSingleton<IProfileStore>(provider => provider.GetRequiredService<RedisProfileStore>());
        services.AddSingleton<IProfileFeed>(provider => provider.GetRequiredService<RedisProfileStore>());
        services.AddSingleton<ICheckpointStore>(provider => RedisCheckpointStore.Create(
            provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<IOptions<ProfilerOptions>>()));

        // One Kubernetes client, made only when something needs it (not with --namespaces and no leader election).
        services.AddSingleton<Func<IKubernetes>>(_ =>
        {
            var client = new Lazy<IKubernetes>(() => KubernetesAccess.Connect(
                "Without --namespaces, finding the namespaces labelled resorcerer.io/enabled=true", "Give --namespaces or set KUBECONFIG."));
            return () => client.Value;
        });
        services.AddSingleton<ClusterWatcher>();
        services.AddSingleton<INamespaceSource>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ProfilerOptions>>().Value;
            return options.NamespaceList.Count > 0 ? ActivatorUtilities.CreateInstance<ConfiguredNamespaces>(provider)
                : options.Once ? new OptedInNamespaces(provider.GetRequiredService<Func<IKubernetes>>())
                : provider.GetRequiredService<ClusterWatcher>();
        });
        services.AddSingleton<IWorkloadCatalog>(provider =>
            provider.GetRequiredService<INamespaceSource>() as IWorkloadCatalog ?? new NoWorkloadCatalog());
        services.AddSingleton(provider => new LeaderGate(
            provider.GetRequiredService<Func<IKubernetes>>(), provider.GetRequiredService<IOptions<ProfilerOptions>>().Value,
            provider.GetRequiredService<ILogger<LeaderGate>>()));
        services.AddSingleton<IRecommendationStrategy>(provider =>
            StrategyCatalog.Find(provider.GetRequiredService<IOptions<ProfilerOptions>>().Value.Strategy) ?? StrategyCatalog.Default);
        services.AddTransient<ProfilingCycle>();
        services.AddSingleton<Func<ProfilingCycle>>(provider => provider.GetRequiredService<ProfilingCycle>);
        services.AddSingleton<NodeLoadMetrics>();
        services.AddSingleton<NodeLoadWatcher>();
        services.AddSingleton<ProfilerHealth>();
        services.AddSingleton<IReadinessCheck>(provider => provider.GetRequiredService<ProfilerHealth>());
        return services;
    }

    /// <summary>Adds the loop that runs a cycle every interval, and the node load refresh (neither used by <c>--once</c>).</summary>
    public static IServiceCollection AddProfilerLoop(this IServiceCollection services)
    {
        services.AddHostedService<ProfilerLoop>();
        services.AddHostedService(provider => provider.GetRequiredService<NodeLoadWatcher>());
        return services;
    }

    /// <summary>Health and metrics endpoints, and the service graph.</summary>
    public static WebApplication MapProfilerEndpoints(this WebApplication app)
    {
        app.MapHealthEndpoints();
        if (app.Services.GetRequiredService<IOptions<ProfilerOptions>>().Value.WatcherUrlList.Count > 0)
        {
            app.MapNodeLoadEndpoints();
        }

        app.MapProfilesApi();
        app.MapDashboard();
        app.MapGet("/api/v1/graph", async (string? @namespace, IProfileStore store, CancellationToken cancellationToken) =>
        {
            if (@namespace is not null && !WorkloadNaming.IsNamespaceName(@namespace))
            {
                return Results.Text($"namespace '{@namespace}' is not a valid namespace name\n", "text/plain", statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                return Results.Json(await GraphLoader.LoadAsync(store, @namespace, cancellationToken), GraphLoader.Json);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return Results.Text($"the profiles cannot be read from Redis: {e.Message}\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        return app;
    }
}
