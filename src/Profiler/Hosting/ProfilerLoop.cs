using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Workloads;

namespace Resorcerer.Profiler.Hosting;

/// <summary>
/// Runs a profiling cycle every interval until the program stops; with leader election, only while leading, and
/// with fresh memory each time leadership is won (the state comes back from the checkpoints). A failed cycle is
/// logged and retried at the next interval.
/// </summary>
public sealed class ProfilerLoop(
    Func<ProfilingCycle> newCycle,
    ProfilerHealth health,
    ProfilerMetrics metrics,
    TimeProvider time,
    IOptions<ProfilerOptions> options,
    IServiceProvider services,
    ILogger<ProfilerLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        (services.GetService<INamespaceSource>() as ClusterWatcher)?.Start(stoppingToken);
        logger.LogInformation("Profiling every {Interval}", options.Value.Interval);
        if (!options.Value.LeaderElect)
        {
            await RunCyclesAsync(stoppingToken);
            return;
        }

        var gate = services.GetRequiredService<LeaderGate>();
        health.Gate = gate;
        // A new term starts with fresh memory; the state comes back from the checkpoints.
        await gate.RunWhileLeadingAsync(RunCyclesAsync, stoppingToken);
    }

    private async Task RunCyclesAsync(CancellationToken cancellationToken)
    {
        var cycle = newCycle();
        using var timer = new PeriodicTimer(options.Value.Interval.Value, time);
        do
        {
            try
            {
                await cycle.RunAsync(cancellationToken);
                health.CycleSucceeded(time.GetUtcNow());
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var kind = CycleFailure.Kind(e);
                metrics.RecordFailure(kind);
                health.CycleFailed(CycleFailure.Describe(e));
                logger.LogError("Profiling cycle failed ({Kind}): {Message}. Stored profiles are unchanged; retrying in {Interval}",
                    kind, CycleFailure.Describe(e), options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}

/// <summary>
/// Readiness of the profiler: ready once a cycle has succeeded in this process, or while it stands by for another
/// replica that leads. Before that (the first cycle still runs, or fails) it is not ready, and says why.
/// </summary>
public sealed class ProfilerHealth : IReadinessCheck
{
    private long _lastSuccess;
    private string? _lastFailure;

    /// <summary>The leader election, when the profiler takes part in one.</summary>
    public LeaderGate? Gate { get; set; }

    public DateTimeOffset? LastSuccess =>
        Interlocked.Read(ref _lastSuccess) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public void CycleSucceeded(DateTimeOffset at)
    {
        Interlocked.Exchange(ref _lastSuccess, at.UtcTicks);
        _lastFailure = null;
    }

    public void CycleFailed(string reason) => _lastFailure = reason;

    public Readiness Check()
    {
        var failure = _lastFailure is { } reason ? $"; the last cycle failed: {reason}" : string.Empty;
        if (Gate is { IsLeader: false } gate)
        {
            return new Readiness(true, $"standing by ({gate.Leader ?? "no leader yet"} leads)");
        }

        var role = Gate is null ? string.Empty : "leader; ";
        return LastSuccess is { } at
            ? new Readiness(true, $"{role}last successful cycle at {at:u}{failure}")
            : new Readiness(false, $"{role}no successful cycle yet{(failure.Length > 0 ? failure : " (the first one is running)")}");
    }
}
