using Prometheus;

namespace Resorcerer.Profiler.Profiling;

/// <summary>The profiler's own metrics, served on /metrics.</summary>
public sealed class ProfilerMetrics
{
    private readonly Counter _cycles;
    private readonly Histogram _cycleDuration;
    private readonly Gauge _workloads;
    private readonly Counter _samples;

    public ProfilerMetrics(IMetricFactory factory)
    {
        _cycles = factory.CreateCounter("resorcerer_profiler_cycles_total", "Profiling cycles by result.", ["result"]);
        _cycleDuration = factory.CreateHistogram("resorcerer_profiler_cycle_duration_seconds", "Wall time of a profiling cycle.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.1, 2, 14) });
        _workloads = factory.CreateGauge("resorcerer_profiler_workloads", "Workloads in the last cycle, by outcome.", ["outcome"]);
        _samples = factory.CreateCounter("resorcerer_profiler_samples_read_total", "Usage samples read from Prometheus.");
    }

    public void Record(CycleReport report)
    {
        _cycles.WithLabels("success").Inc();
        _cycleDuration.Observe(report.Duration.TotalSeconds);
        _workloads.WithLabels("profiled").Set(report.Written.Count);
        _workloads.WithLabels("kept_thin_data").Set(report.KeptForThinData.Count);
        _samples.Inc(report.SamplesRead);
    }

    public void RecordFailure(string kind) => _cycles.WithLabels(kind).Inc();
}
