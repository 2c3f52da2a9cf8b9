using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Storage;
using Resorcerer.Updater.Kubernetes;
using Resorcerer.Updater.Updating;

namespace Resorcerer.Updater.Hosting;

/// <summary>
/// Watches the pods and runs a pass every interval until the program stops; with leader election, passes run
/// only while leading (the pod watch runs throughout, so a new leader acts at once). A failed pass is logged and
/// the next one runs at the next interval.
/// </summary>
public sealed class UpdaterLoop(
    PodWatch watch,
    UpdaterPass pass,
    UpdaterHealth health,
    UpdaterMetrics metrics,
    TimeProvider time,
    IOptions<UpdaterOptions> options,
    IServiceProvider services,
    ILogger<UpdaterLoop> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watching = watch.RunAsync(stoppingToken);
        await watch.WaitUntilSyncedAsync(stoppingToken);
        health.Watching = true;
        logger.LogInformation("Checking running pods every {Interval}{DryRun}", options.Value.Interval, options.Value.DryRun ? " (dry run: nothing is changed)" : string.Empty);
        if (!options.Value.LeaderElect)
        {
            await RunPassesAsync(stoppingToken);
            await watching;
            return;
        }

        var gate = services.GetRequiredService<LeaderGate>();
        health.Gate = gate;
        // A new leader starts from the pods as they are.
        await gate.RunWhileLeadingAsync(RunPassesAsync, stoppingToken);
        await watching;
    }

    private async Task RunPassesAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval.Value, time);
        do
        {
            try
            {
                var report = await pass.RunAsync(cancellationToken);
                health.PassSucceeded(report.At);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                metrics.PassFailed();
                var why = e is StackExchange.Redis.RedisException ? RedisSettings.Describe(e) : e.Message;
                health.PassFailed(why);
                logger.LogError("Updater pass failed: {Message}. No pod was changed by it; retrying in {Interval}", why, options.Value.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }
}

/// <summary>Readiness of the updater: the pod watch has listed the pods and a pass succeeded (or it stands by for the leader).</summary>
public sealed class UpdaterHealth : IReadinessCheck
{
    private long _lastSuccess;
    private string? _lastFailure;

    public LeaderGate? Gate { get; set; }

    public bool Watching { get; set; }

    public void PassSucceeded(DateTimeOffset at)
    {
        Interlocked.Exchange(ref _lastSuccess, at.UtcTicks);
        _lastFailure = null;
    }

    public void PassFailed(string reason) => _lastFailure = reason;

    public Readiness Check()
    {
        if (!Watching)
        {
            return new Readiness(false, "the pods have not been listed yet");
        }

        if (Gate is { IsLeader: false } gate)
        {
            return new Readiness(true, $"standing by ({gate.Leader ?? "no leader yet"} leads)");
        }

        var failure = _lastFailure is { } reason ? $"; the last pass failed: {reason}" : string.Empty;
        var ticks = Interlocked.Read(ref _lastSuccess);
        return ticks > 0
            ? new Readiness(true, $"last successful pass at {new DateTimeOffset(ticks, TimeSpan.Zero):u}{failure}")
            : new Readiness(false, $"no successful pass yet{(failure.Length > 0 ? failure : " (the first one is running)")}");
    }
}
