using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Report;
using Resorcerer.Storage;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>
/// The report over every namespace as the dashboard shows it. The first page waits for it to be read; after that it
/// is reused, and once older than <c>--dashboard-cache</c> the next page starts reading it again in the background
/// and is served the one it has (its age is on the page), so paging and sorting 5,000 workloads never waits.
/// </summary>
public sealed class DashboardReports(
    IProfileStore store, IProfileFeed feed, RunningResources running, PrometheusUsageSource usage, TimeProvider time, IOptions<ProfilerOptions> options,
    DashboardMetrics metrics, ILogger<DashboardReports> logger) : IDisposable
{
    private readonly SemaphoreSlim _reading = new(1, 1);
    private volatile Snapshot? _last;
    private int _refreshing;

    private sealed record Snapshot(IReadOnlyList<ContainerReport> Lines, DateTimeOffset At);

    public void Dispose() => _reading.Dispose();

    /// <summary>The lines and when they were read, or why they could not be (Redis or Prometheus, named).</summary>
    public async Task<(IReadOnlyList<ContainerReport>? Lines, DateTimeOffset At, string? Problem)> ReadAsync(CancellationToken cancellationToken)
    {
        if (_last is { } last)
        {
            if (time.GetUtcNow() - last.At >= options.Value.DashboardCache.Value && Interlocked.Exchange(ref _refreshing, 1) == 0)
            {
                _ = Task.Run(RefreshAsync, CancellationToken.None);
            }

            return (last.Lines, last.At, null);
        }

        await _reading.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } read)
            {
                return (read.Lines, read.At, null);
            }

            var fresh = await LoadAsync(cancellationToken);
            _last = fresh;
            return (fresh.Lines, fresh.At, null);
        }
        catch (Exception e) when (ReportFailure.Describe(e, cancellationToken) is { } problem)
        {
            return (null, default, problem);
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            _last = await LoadAsync(CancellationToken.None);
        }
        catch (Exception e) when (ReportFailure.Describe(e, CancellationToken.None) is { } problem)
        {
            logger.LogWarning("The dashboard keeps the report read at {At:u}: {Problem}", _last?.At, problem);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private async Task<Snapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var started = time.GetTimestamp();
        try
        {
            var lines = await ReportLoader.LoadAsync(store, feed, running, usage, null, now, options.Value.Prices, cancellationToken);
            metrics.Read("ok", time.GetElapsedTime(started));
            return new Snapshot(lines, now);
        }
        catch (Exception e) when (ReportFailure.Describe(e, cancellationToken) is not null)
        {
            metrics.Read(e is RedisException or TimeoutException ? "redis" : "prometheus", time.GetElapsedTime(started));
            throw;
        }
    }
}
