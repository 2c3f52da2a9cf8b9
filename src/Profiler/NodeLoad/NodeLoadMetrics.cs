using Prometheus;

namespace Resorcerer.Profiler.NodeLoad;

/// <summary>The load watcher's own metrics: refreshes, nodes served by source, and the age of what is served.</summary>
public sealed class NodeLoadMetrics
{
    private readonly Histogram _refreshDuration;
    private readonly Counter _refreshFailures;
    private readonly Gauge _nodes;
    private readonly Gauge _answerAge;

    public NodeLoadMetrics(IMetricFactory factory)
    {
        _refreshDuration = factory.CreateHistogram("resorcerer_watcher_refresh_duration_seconds",
            "Time one window's refresh from Prometheus took (six queries).", ["window"],
            new HistogramConfiguration { Buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _refreshFailures = factory.CreateCounter("resorcerer_watcher_refresh_failures_total",
            "Window refreshes that failed (the last good answer is still served).", ["window"]);
        _nodes = factory.CreateGauge("resorcerer_watcher_nodes",
            "Nodes in the served answer, by where their numbers come from (rules, node-exporter, cadvisor).", ["source"]);
        _answerAge = factory.CreateGauge("resorcerer_watcher_answer_age_seconds",
            "Age of the answer /watcher serves (its timestamp); grows while Prometheus cannot be read.");
    }

    public void Refreshed(string window, TimeSpan elapsed, bool ok)
    {
        _refreshDuration.WithLabels(window).Observe(elapsed.TotalSeconds);
        if (!ok)
        {
            _refreshFailures.WithLabels(window).Inc();
        }
    }

    public void Serving(IReadOnlyDictionary<string, int> nodesBySource, TimeSpan age)
    {
        foreach (var source in new[] { NodeLoadSources.Rules, NodeLoadSources.NodeExporter, NodeLoadSources.Cadvisor })
        {
            _nodes.WithLabels(source).Set(nodesBySource.GetValueOrDefault(source));
        }

        _answerAge.Set(Math.Max(0, age.TotalSeconds));
    }
}
