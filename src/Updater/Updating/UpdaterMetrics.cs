using Prometheus;

namespace Resorcerer.Updater.Updating;

/// <summary>The updater's own metrics, served on /metrics.</summary>
public sealed class UpdaterMetrics
{
    private readonly Counter _actions;
    private readonly Counter _passes;
    private readonly Histogram _passDuration;
    private readonly Gauge _considered;
    private readonly Gauge _inFlight;
    private readonly Gauge _backedOff;
    private readonly Counter _rateLimited;

    public UpdaterMetrics(IMetricFactory factory)
    {
        _actions = factory.CreateCounter("resorcerer_updater_actions_total",
            "Actions on running pods: action resize, evict or report; result done, blocked (PDB or conflict: retried), refused, gone, failed, or dry_run.",
            ["action", "result"]);
        _passes = factory.CreateCounter("resorcerer_updater_passes_total", "Passes over the running pods, by result.", ["result"]);
        _passDuration = factory.CreateHistogram("resorcerer_updater_pass_duration_seconds", "Wall time of a pass.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.01, 2, 14) });
        _considered = factory.CreateGauge("resorcerer_updater_pods_considered", "Running pods of profiled workloads in the last pass, by what was decided (none, resize, evict, report) and why.", ["decision", "reason"]);
        _inFlight = factory.CreateGauge("resorcerer_updater_in_flight", "Workloads with a resize or eviction not yet finished.");
        _backedOff = factory.CreateGauge("resorcerer_updater_backed_off", "Workloads left alone for now because their actions failed.");
        _rateLimited = factory.CreateCounter("resorcerer_updater_rate_limited_total", "Actions put off to a later pass by --max-updates-per-minute.");
    }

    public void Action(string action, string result) => _actions.WithLabels(action, result).Inc();

    public void Pass(PassReport report, int inFlight, int backedOff)
    {
        _passes.WithLabels("success").Inc();
        _passDuration.Observe(report.Duration.TotalSeconds);
        foreach (var labels in _considered.GetAllLabelValues().ToList())
        {
            _considered.WithLabels(labels).Set(0);
        }

        foreach (var group in report.Considered.GroupBy(c => (Decision: c.Action.ToString().ToLowerInvariant(), c.Reason)))
        {
            _considered.WithLabels(group.Key.Decision, group.Key.Reason).Set(group.Count());
        }

        _inFlight.Set(inFlight);
        _backedOff.Set(backedOff);
    }

    public void PassFailed() => _passes.WithLabels("failure").Inc();

    public void RateLimited() => _rateLimited.Inc();
}
