using Prometheus;

namespace Resorcerer.Profiler.Profiling;

/// <summary>The profiler's own metrics, served on /metrics.</summary>
public sealed class ProfilerMetrics
{
    private readonly Counter _cycles;
    private readonly Histogram _cycleDuration;
    private readonly Gauge _workloads;
    private readonly Counter _samples;
    private readonly Counter _errors;
    private readonly Histogram _queryDuration;
    private readonly Gauge _tracked;
    private readonly Gauge _checkpointBytes;
    private readonly Gauge _pending;
    private readonly Gauge _connections;
    private readonly Gauge _waitingRestores;
    private readonly Counter _droppedEvents;
    private readonly Counter _rejected;

    public ProfilerMetrics(IMetricFactory factory)
    {
        _cycles = factory.CreateCounter("resorcerer_profiler_cycles_total", "Profiling cycles by result.", ["result"]);
        _cycleDuration = factory.CreateHistogram("resorcerer_profiler_cycle_duration_seconds", "Wall time of a profiling cycle.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.1, 2, 14) });
        _workloads = factory.CreateGauge("resorcerer_profiler_workloads", "Workloads in the last cycle, by outcome.", ["outcome"]);
        _samples = factory.CreateCounter("resorcerer_profiler_samples_read_total", "Usage samples read from Prometheus.");
        _errors = factory.CreateCounter("resorcerer_profiler_errors_total", "Errors by kind (prometheus, redis, kubernetes, internal); retried reads count too.", ["kind"]);
        _queryDuration = factory.CreateHistogram("resorcerer_profiler_query_duration_seconds", "Prometheus queries sent and how long they took, by API path.",
            new HistogramConfiguration { LabelNames = ["path"], Buckets = Histogram.ExponentialBuckets(0.005, 2, 14) });
        _tracked = factory.CreateGauge("resorcerer_profiler_tracked", "Workloads and containers whose learned state is in memory.", ["kind"]);
        _checkpointBytes = factory.CreateGauge("resorcerer_profiler_checkpoint_bytes", "Size of the last checkpoint written, and the total of one cycle.", ["kind"]);
        _connections = factory.CreateGauge("resorcerer_profiler_connection_edges", "Workload-to-workload connections (edges) seen in service-mesh traffic in the last read.");
        _pending = factory.CreateGauge("resorcerer_profiler_pending_writes", "Workloads whose profile and checkpoint wait for Redis.");
        _waitingRestores = factory.CreateGauge("resorcerer_profiler_checkpoint_restores_waiting",
            "Workloads whose checkpoint could not be read yet (Redis slow or down): what is read for them is held in memory.");
        _rejected = factory.CreateCounter("resorcerer_profiler_samples_rejected_total",
            "Readings not learned from, by reason: not_a_number, negative, zero_memory, above_node_capacity (more than the largest node has).", ["reason"]);
        _droppedEvents = factory.CreateCounter("resorcerer_profiler_events_dropped_total",
            "Usage samples and OOM kills read but not learned from, by reason.", ["reason"]);
    }

    public void Record(CycleReport report, int trackedWorkloads, int trackedContainers)
    {
        _cycles.WithLabels("success").Inc();
        _cycleDuration.Observe(report.Duration.TotalSeconds);
        _workloads.WithLabels("profiled").Set(report.Written.Count);
        _workloads.WithLabels("kept_thin_data").Set(report.KeptForThinData.Count);
        _samples.Inc(report.SamplesRead);
        _tracked.WithLabels("workloads").Set(trackedWorkloads);
        _tracked.WithLabels("containers").Set(trackedContainers);
        _pending.Set(report.PendingWrites);
        _checkpointBytes.WithLabels("cycle_total").Set(Interlocked.Exchange(ref _cycleCheckpointBytes, 0));
        foreach (var (reason, count) in report.Rejected)
        {
            _rejected.WithLabels(reason).Inc(count);
        }
    }

    private long _cycleCheckpointBytes;

    public void RecordCheckpoint(int bytes)
    {
        _checkpointBytes.WithLabels("last").Set(bytes);
        Interlocked.Add(ref _cycleCheckpointBytes, bytes);
    }

    public void RecordConnections(int edges) => _connections.Set(edges);

    public void RecordWaitingRestores(int workloads) => _waitingRestores.Set(workloads);

    public void RecordDroppedEvents(string reason, long count) => _droppedEvents.WithLabels(reason).Inc(count);

    public void RecordQuery(string path, TimeSpan duration) => _queryDuration.WithLabels(path).Observe(duration.TotalSeconds);

    public void RecordError(string kind) => _errors.WithLabels(kind).Inc();

    public void RecordFailure(string kind)
    {
        _cycles.WithLabels(kind).Inc();
        _errors.WithLabels(kind).Inc();
    }
}
