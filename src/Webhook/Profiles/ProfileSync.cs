using System.Diagnostics;
using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Hosting;
using Resorcerer.Storage;
using Resorcerer.Webhook.Admission;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Profiles;

/// <summary>
/// Keeps the <see cref="ProfileMirror"/> in step with Redis: a first load at start, then a sync every
/// <c>--sync-interval</c>, and at once when the profiler announces a change on the pub/sub channel (where the server
/// lets the webhook subscribe). While Redis is down the mirror keeps serving what it holds, and the age of its last
/// good sync grows (a metric). Ready once the first load is done, or after <c>--max-start-wait</c> without one (pods
/// are then admitted unchanged until the profiles are in, and the log and a metric say so).
/// </summary>
public sealed class ProfileSync(
    ProfileMirror mirror, IProfileFeed feed, TimeProvider time, IOptions<WebhookOptions> options, WebhookMetrics metrics, ILogger<ProfileSync> logger)
    : BackgroundService, IReadinessCheck
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly DateTimeOffset _started = time.GetUtcNow();
    private long _lastGoodSync;
    private bool _subscribed;
    private bool _failing;
    private bool _warnedNotLoaded;

    /// <summary>When the mirror last completed a sync, or null before the first.</summary>
    public DateTimeOffset? LastGoodSync =>
        Interlocked.Read(ref _lastGoodSync) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    public Readiness Check()
    {
        var now = time.GetUtcNow();
        if (LastGoodSync is { } at)
        {
            return new Readiness(true, $"{mirror.Count} profiles in memory, last synced with Redis {Duration.Round(now - at)} ago");
        }

        var waited = now - _started;
        return waited >= options.Value.MaxStartWait.Value
            ? new Readiness(true, $"the profiles are not loaded from Redis yet (--max-start-wait {options.Value.MaxStartWait} passed): pods are admitted unchanged until they are")
            : new Readiness(false, $"loading the profiles from Redis ({Duration.Round(waited)} of --max-start-wait {options.Value.MaxStartWait})");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!_subscribed)
            {
                await SubscribeAsync(stoppingToken);
            }

            await SyncOnceAsync(stoppingToken);
            try
            {
                // A change announced while syncing wakes the next pass at once.
                await _wake.WaitAsync(settings.SyncInterval.Value, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One sync, with its metrics and log lines; never throws but for cancellation.</summary>
    public async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var first = LastGoodSync is null;
        try
        {
            var result = await mirror.SyncAsync(cancellationToken);
            metrics.ProfileSync(true, clock.Elapsed);
            Interlocked.Exchange(ref _lastGoodSync, time.GetUtcNow().UtcTicks);
            if (first)
            {
                logger.LogInformation("Loaded {Count} profiles of {Namespaces} namespaces from Redis in {Elapsed:0} ms; admissions are served from memory",
                    mirror.Count, result.NamespacesRead, clock.Elapsed.TotalMilliseconds);
            }
            else if (_failing)
            {
                logger.LogInformation("Redis answers again: {Count} profiles in step ({Read} read, {Removed} removed)", mirror.Count, result.ProfilesRead, result.Removed);
            }

            _failing = false;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RedisException or TimeoutException or OperationCanceledException)
        {
            metrics.ProfileSync(false, clock.Elapsed);
            if (!_failing)
            {
                logger.LogWarning("Cannot sync the profiles with Redis ({Why}); {Serving}; retrying every {Interval}",
                    RedisSettings.Describe(e),
                    LastGoodSync is { } at ? $"serving the {mirror.Count} profiles synced {Duration.Round(time.GetUtcNow() - at)} ago" : "pods are admitted unchanged until the profiles are loaded",
                    options.Value.SyncInterval);
            }

            _failing = true;
        }

        var now = time.GetUtcNow();
        metrics.ProfilesHeld(mirror.Count, mirror.Loaded, LastGoodSync is { } last ? now - last : now - _started);
        if (!mirror.Loaded && !_warnedNotLoaded && now - _started >= options.Value.MaxStartWait.Value)
        {
            _warnedNotLoaded = true;
            logger.LogWarning("No profiles loaded within --max-start-wait {Wait}: the webhook reports ready and admits pods unchanged until Redis answers",
                options.Value.MaxStartWait);
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await feed.SubscribeAsync(Wake, cancellationToken);
            _subscribed = true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is RedisException or TimeoutException)
        {
            if (e is RedisServerException || e.Message.Contains("NOPERM", StringComparison.Ordinal))
            {
                // An ACL without the channel, or a server that forbids pub/sub: polling alone keeps the mirror in step.
                _subscribed = true;
                logger.LogInformation("Redis refused the change notifications ({Error}); profiles are followed every --sync-interval {Interval} only",
                    e.Message, options.Value.SyncInterval);
            }
        }
    }

    private void Wake(string namespaceName)
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
