using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Report;

/// <summary>Why the report could not be read, naming the server: what the API and the dashboard answer with 503.</summary>
public static class ReportFailure
{
    /// <summary>The reason for a Redis or Prometheus failure; null for anything else (a cancelled request included), which is not handled.</summary>
    public static string? Describe(Exception e, CancellationToken cancellationToken) => e switch
    {
        RedisException or TimeoutException => $"the profiles cannot be read from Redis: {RedisSettings.Describe(e)}",
        PrometheusException or HttpRequestException or TaskCanceledException when !cancellationToken.IsCancellationRequested =>
            $"the running pods' requests cannot be read from Prometheus: {e.Message}",
        _ => null,
    };
}
