using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// The Kubernetes VPA recommender with its defaults, so that users can compare against it on their own data:
/// decaying histograms (half-life 24 h); CPU from every sample, memory from one peak per 24 h interval;
/// target p90, lower bound p50, upper bound p95, each x 1.15; confidence-scaled bounds; an OOM bumps memory
/// to max(used + 100 MiB, used x 1.2); per-pod minimums of 25 millicores and 250 MiB shared by the containers.
/// </summary>
public sealed class VpaStrategy : IRecommendationStrategy
{
    public const double SafetyMargin = 1.15;
    public const double TargetPercentile = 0.9, LowerPercentile = 0.5, UpperPercentile = 0.95;
    public const double CpuSampleWeight = 0.1, MemoryPeakWeight = 1.0;
    public const double PodMinCpuCores = 0.025, PodMinMemoryBytes = 250.0 * 1024 * 1024;
    public const double OomMinBumpBytes = 100.0 * 1024 * 1024, OomBumpRatio = 1.2;
    public static readonly TimeSpan HalfLife = TimeSpan.FromHours(24);
    public static readonly TimeSpan MemoryInterval = TimeSpan.FromHours(24);

    public string Name => "vpa";

    public string Description => "the Kubernetes VPA recommender's algorithm and defaults";

    public IContainerEstimator CreateEstimator() => new Estimator();

    public IReadOnlyDictionary<string, ContainerEstimate> ForPod(IReadOnlyDictionary<string, ContainerEstimate> containers)
    {
        if (containers.Count == 0)
        {
            return containers;
        }

        var cpuFloor = PodMinCpuCores / containers.Count;
        var memoryFloor = PodMinMemoryBytes / containers.Count;
        return containers.ToDictionary(
            c => c.Key,
            c => new ContainerEstimate(c.Value.Cpu?.AtLeast(cpuFloor), c.Value.Memory?.AtLeast(memoryFloor)));
    }

    /// <summary>
    /// Confidence in the history: min(days between the first and last sample, CPU samples / 1440), as the VPA
    /// counts one sample a minute. Bounds widen as it falls: upper x (1 + 1/c), lower x (1 + 0.001/c)^-2.
    /// </summary>
    public static double Confidence(long firstSample, long lastSample, long samples) =>
        Math.Min((lastSample - firstSample) / 86400.0, samples / 1440.0);

    public static Estimate WithConfidence(double lower, double target, double upper, double confidence) => new(
        Target: target,
        LowerBound: lower * Math.Pow(1 + 0.001 / confidence, -2),
        UpperBound: confidence > 0 ? upper * (1 + 1 / confidence) : double.PositiveInfinity);

    private sealed class Estimator : IContainerEstimator
    {
        private readonly DecayingHistogram _cpu = new(ExponentialBuckets.Cpu, HalfLife);
        private readonly DecayingHistogram _memory = new(ExponentialBuckets.Memory, HalfLife);
        private long _cpuSamples;
        private long _firstSample = long.MaxValue, _lastSample = long.MinValue;
        private long _intervalEnd = long.MinValue;
        private double _peak;
        private long _peakTimestamp;

        public void AddCpu(long timestamp, double cores)
        {
            _cpu.Add(cores, CpuSampleWeight, timestamp);
            _cpuSamples++;
            _firstSample = Math.Min(_firstSample, timestamp);
            _lastSample = Math.Max(_lastSample, timestamp);
        }

        public void AddMemory(long timestamp, double bytes)
        {
            if (timestamp >= _intervalEnd)
            {
                // A new 24 h interval: its first sample is its peak so far.
                var length = (long)MemoryInterval.TotalSeconds;
                _intervalEnd = _intervalEnd == long.MinValue
                    ? timestamp + length
                    : _intervalEnd + ((timestamp - _intervalEnd) / length + 1) * length;
                SetPeak(bytes, timestamp, replace: false);
            }
            else if (bytes > _peak)
            {
                SetPeak(bytes, timestamp, replace: true);
            }
        }

        public void AddOom(long timestamp, double bytes, double? requestBytes)
        {
            var used = Math.Max(requestBytes ?? 0, Math.Max(_peak, bytes));
            AddMemory(timestamp, Math.Max(used + OomMinBumpBytes, used * OomBumpRatio));
        }

        // The VPA keeps no record of its own answers: nothing to do on the hour.
        public void Tick(long hour)
        {
        }

        public ContainerEstimate Recommend(long now)
        {
            if (_cpuSamples == 0 && _memory.IsEmpty)
            {
                return default;
            }

            var confidence = Confidence(_firstSample, _lastSample, _cpuSamples);
            return new ContainerEstimate(Estimate(_cpu, confidence), Estimate(_memory, confidence));
        }

        private static Estimate? Estimate(DecayingHistogram histogram, double confidence) =>
            histogram.IsEmpty
                ? null
                : WithConfidence(
                    histogram.Percentile(LowerPercentile) * SafetyMargin,
                    histogram.Percentile(TargetPercentile) * SafetyMargin,
                    histogram.Percentile(UpperPercentile) * SafetyMargin,
                    confidence);

        private void SetPeak(double bytes, long timestamp, bool replace)
        {
            if (replace)
            {
                _memory.Subtract(_peak, MemoryPeakWeight, _peakTimestamp);
            }

            _memory.Add(bytes, MemoryPeakWeight, timestamp);
            _peak = bytes;
            _peakTimestamp = timestamp;
        }

        public void Write(BinaryWriter writer)
        {
            _cpu.Write(writer);
            _memory.Write(writer);
            writer.Write(_cpuSamples);
            writer.Write(_firstSample);
            writer.Write(_lastSample);
            writer.Write(_intervalEnd);
            writer.Write(_peak);
            writer.Write(_peakTimestamp);
        }

        public void Read(StateReader reader)
        {
            _cpu.Read(reader);
            _memory.Read(reader);
            _cpuSamples = reader.ReadInt64();
            _firstSample = reader.ReadInt64();
            _lastSample = reader.ReadInt64();
            _intervalEnd = reader.ReadInt64();
            _peak = reader.ReadDouble();
            _peakTimestamp = reader.ReadInt64();
        }
    }
}
