namespace Resorcerer.Profiler.Prometheus;

/// <summary>The HTTP client for the Prometheus API, set up from the profiler's settings.</summary>
public static class PrometheusHttp
{
    public static HttpClient Create(ProfilerOptions options) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(options.PrometheusUrl!.TrimEnd('/') + "/"),
            Timeout = options.PrometheusTimeout.Value,
        };
}
