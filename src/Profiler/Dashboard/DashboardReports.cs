using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Report;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>
/// The report over every namespace as the dashboard shows it, read at most once per <c>--dashboard-cache</c> and
/// shared by the requests in between (one read at a time): paging and sorting 5,000 workloads reads nothing again.
/// </summary>
public sealed class DashboardReports(
    IProfileStore store, IProfileFeed feed, RunningResources running, PrometheusUsageSource usage, TimeProvider time, IOptions<ProfilerOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _reading = new(1, 1);
    private (IReadOnlyList<ContainerReport> Lines, DateTimeOffset At)? _last;

    public void Dispose() => _reading.Dispose();

    /// <summary>The lines and when they were read, or why they could not be (Redis or Prometheus, named).</summary>
    public async Task<(IReadOnlyList<ContainerReport>? Lines, DateTimeOffset At, string? Problem)> ReadAsync(CancellationToken cancellationToken)
    {
        await _reading.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_last is { } last && now - last.At < options.Value.DashboardCache.Value)
            {
                return (last.Lines, last.At, null);
            }

            var lines = await ReportLoader.LoadAsync(store, feed, running, usage, null, now, options.Value.Prices, cancellationToken);
            _last = (lines, now);
            return (lines, now, null);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return (null, default, $"the profiles cannot be read from Redis: {RedisSettings.Describe(e)}");
        }
        catch (Exception e) when (e is PrometheusException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, default, $"the running pods' requests cannot be read from Prometheus: {e.Message}");
        }
        finally
        {
            _reading.Release();
        }
    }
}
