using System.Collections.Concurrent;
using Prometheus;

namespace Resorcerer.Webhook.Admission;

/// <summary>The webhook's own metrics, served on /metrics.</summary>
public sealed class WebhookMetrics
{
    private readonly Counter _admissions;
    private readonly Histogram _duration;
    private readonly Counter _lookups;

    // Label children looked up once: the set of outcomes and reasons is small and fixed by the code.
    private readonly ConcurrentDictionary<(string Kind, string Reason), Counter.Child> _byOutcome = new();
    private readonly ConcurrentDictionary<string, Counter.Child> _byLookup = new();

    public WebhookMetrics(IMetricFactory factory)
    {
        _admissions = factory.CreateCounter("resorcerer_webhook_admissions_total",
            "Admission requests by outcome (patched, unchanged, skipped, error) and reason.", ["outcome", "reason"]);
        _duration = factory.CreateHistogram("resorcerer_webhook_admission_duration_seconds",
            "Time to answer an admission request.",
            new HistogramConfiguration { Buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _lookups = factory.CreateCounter("resorcerer_webhook_profile_lookups_total",
            "Profile lookups by result: hit (memory), hit_absent (remembered absence), miss (read from Redis), error.", ["result"]);
    }

    public void Admission(AdmissionOutcome outcome, TimeSpan elapsed)
    {
        _byOutcome.GetOrAdd((outcome.Kind, outcome.Reason), key => _admissions.WithLabels(key.Kind, key.Reason)).Inc();
        _duration.Observe(elapsed.TotalSeconds);
    }

    public void CacheLookup(string result) => _byLookup.GetOrAdd(result, key => _lookups.WithLabels(key)).Inc();
}
