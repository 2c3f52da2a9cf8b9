using System.Collections.Concurrent;
using Prometheus;

namespace Resorcerer.Webhook.Admission;

/// <summary>The webhook's own metrics, served on /metrics.</summary>
public sealed class WebhookMetrics
{
    private readonly Counter _admissions;
    private readonly Histogram _duration;
    private readonly Counter _lookups;
    private readonly Counter _syncs;
    private readonly Histogram _syncDuration;
    private readonly Gauge _profiles;
    private readonly Gauge _loaded;
    private readonly Gauge _syncAge;

    // Label children looked up once: the set of outcomes and reasons is small and fixed by the code.
    private readonly ConcurrentDictionary<(string Kind, string Reason), Counter.Child> _byOutcome = new();
    private readonly Counter.Child _found, _absent, _notLoaded;

    public WebhookMetrics(IMetricFactory factory)
    {
        _admissions = factory.CreateCounter("resorcerer_webhook_admissions_total",
            "Admission requests by outcome (patched, unchanged, skipped, error) and reason.", ["outcome", "reason"]);
        _duration = factory.CreateHistogram("resorcerer_webhook_admission_duration_seconds",
            "Time to answer an admission request.",
            new HistogramConfiguration { Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _lookups = factory.CreateCounter("resorcerer_webhook_profile_lookups_total",
            "Profile lookups by result: found, absent (no profile for the workload), not_loaded (before the first sync with Redis).", ["result"]);
        (_found, _absent, _notLoaded) = (_lookups.WithLabels("found"), _lookups.WithLabels("absent"), _lookups.WithLabels("not_loaded"));
        _syncs = factory.CreateCounter("resorcerer_webhook_profile_syncs_total",
            "Syncs of the in-memory profiles with Redis, by result (ok, error).", ["result"]);
        _syncDuration = factory.CreateHistogram("resorcerer_webhook_profile_sync_duration_seconds",
            "Time one sync with Redis took (the first one loads every profile).",
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _profiles = factory.CreateGauge("resorcerer_webhook_profiles", "Profiles held in memory.");
        _loaded = factory.CreateGauge("resorcerer_webhook_profiles_loaded",
            "1 once the profiles have been loaded from Redis; 0 before (pods are then admitted unchanged).");
        _syncAge = factory.CreateGauge("resorcerer_webhook_profile_sync_age_seconds",
            "Age of the last good sync with Redis (since the start, before the first): how stale the served profiles may be.");
    }

    public void Admission(AdmissionOutcome outcome, TimeSpan elapsed)
    {
        _byOutcome.GetOrAdd((outcome.Kind, outcome.Reason), key => _admissions.WithLabels(key.Kind, key.Reason)).Inc();
        _duration.Observe(elapsed.TotalSeconds);
    }

    /// <summary>Counts one lookup: found, absent or not_loaded (the three children made once, as each admission counts one).</summary>
    public void ProfileLookup(string result) => (result switch
    {
        "found" => _found,
        "absent" => _absent,
        _ => _notLoaded,
    }).Inc();

    public void ProfileSync(bool ok, TimeSpan elapsed)
    {
        _syncs.WithLabels(ok ? "ok" : "error").Inc();
        _syncDuration.Observe(elapsed.TotalSeconds);
    }

    public void ProfilesHeld(int count, bool loaded, TimeSpan sinceGoodSync)
    {
        _profiles.Set(count);
        _loaded.Set(loaded ? 1 : 0);
        _syncAge.Set(Math.Max(0, sinceGoodSync.TotalSeconds));
    }
}
