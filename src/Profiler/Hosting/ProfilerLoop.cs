using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Profiling;

namespace Resorcerer.Profiler.Hosting;

/// <summary>Runs a profiling cycle every interval until the program stops. A failed cycle is logged and retried next time.</summary>
public sealed class ProfilerLoop(
    ProfilingCycle cycle,
    ProfilerHealth health,
    ProfilerMetrics metrics,
    TimeProvider time,
    IOptions<ProfilerOptions> options,
    ILogger<ProfilerLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval.Value;
        logger.LogInformation("Profiling every {Interval}", options.Value.Interval);
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                await cycle.RunAsync(stoppingToken);
                health.CycleSucceeded(time.GetUtcNow());
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                var kind = CycleFailure.Kind(e);
                metrics.RecordFailure(kind);
                logger.LogError("Profiling cycle failed ({Kind}): {Message}. Stored profiles are unchanged; retrying in {Interval}",
                    kind, CycleFailure.Describe(e), options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

/// <summary>Readiness of the profiler: ready once a cycle has succeeded.</summary>
public sealed class ProfilerHealth
{
    private long _lastSuccess;

    public DateTimeOffset? LastSuccess =>
        Interlocked.Read(ref _lastSuccess) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public void CycleSucceeded(DateTimeOffset at) => Interlocked.Exchange(ref _lastSuccess, at.UtcTicks);
}
