using Resorcerer.Hosting;
using Resorcerer.PrometheusApi;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Profiling;

/// <summary>Names what made a cycle fail, for metrics and for a message a person can act on.</summary>
public static class CycleFailure
{
    public static string Kind(Exception e) => e switch
    {
        PrometheusException => "prometheus",
        RedisException or TimeoutException => "redis",
        KubernetesAccessException => "kubernetes",
        _ => "internal",
    };

    public static string Describe(Exception e) => e switch
    {
        RedisException or TimeoutException => $"cannot use Redis: {Resorcerer.Storage.RedisSettings.Describe(e)}",
        _ => e.Message,
    };
}
