using k8s;
using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.Updater.Kubernetes;
using Resorcerer.Updater.Updating;
using Resorcerer.Updater.Usage;
using Resorcerer.Updating.Kubernetes;
using StackExchange.Redis;

namespace Resorcerer.Updater.Hosting;

public static class UpdaterServices
{
    /// <summary>Registers the updater: options (validated at start), Redis, Kubernetes, Prometheus when given, and the pass.</summary>
    public static IServiceCollection AddUpdater(this IServiceCollection services)
    {
        services.AddOptions<UpdaterOptions>().BindConfiguration(UpdaterOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<UpdaterOptions>, UpdaterOptionsValidator>();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<UpdaterOptions>>().Value);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<UpdaterMetrics>();

        services.AddSingleton<IConnectionMultiplexer>(provider =>
            ConnectionMultiplexer.Connect(RedisSettings.Parse(provider.GetRequiredService<UpdaterOptions>().Redis!)));
        services.AddSingleton<IProfileReader, RedisProfileStore>();
        services.AddSingleton<IMemoryPressureLog>(provider => new RedisMemoryPressureLog(provider.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<IUpdateLog>(provider => new RedisUpdateLog(provider.GetRequiredService<IConnectionMultiplexer>()));

        services.AddSingleton<Func<IKubernetes>>(_ =>
        {
            var client = new Lazy<IKubernetes>(() => KubernetesAccess.Connect("The updater", "Run it in the cluster or set KUBECONFIG."));
            return () => client.Value;
        });
        services.AddSingleton<PodWatch>();
        services.AddSingleton<IPodActions, KubernetesPodActions>();
        services.AddSingleton<IWorkingSetSource>(provider =>
        {
            var options = provider.GetRequiredService<UpdaterOptions>();
            return string.IsNullOrWhiteSpace(options.PrometheusUrl) ? new NoWorkingSets()
                : new PrometheusWorkingSets(new PrometheusClient(PrometheusHttp.Create(options), maxSamples: options.MaxSamplesPerAnswer), provider.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<UpdaterOptions>();
            return new WorkloadTracker(options.Backoff.Value, options.MaxBackoff.Value, options.MaxUpdatesPerMinute);
        });
        services.AddSingleton<UpdaterPass>();
        services.AddSingleton(provider => new LeaderGate(
            provider.GetRequiredService<Func<IKubernetes>>(), provider.GetRequiredService<UpdaterOptions>(), provider.GetRequiredService<ILogger<LeaderGate>>()));
        services.AddSingleton<UpdaterHealth>();
        services.AddSingleton<IReadinessCheck>(provider => provider.GetRequiredService<UpdaterHealth>());
        return services;
    }

    public static IServiceCollection AddUpdaterLoop(this IServiceCollection services) => services.AddHostedService<UpdaterLoop>();
}
