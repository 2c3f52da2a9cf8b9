using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// KRR's "simple" strategy with its defaults: over the last 14 days, CPU request = p95 of the CPU samples and
/// memory request = the peak x 1.15; nothing until there are 100 samples over 3 h; at least 10 millicores and
/// 100 MiB. KRR has no bounds, so lower = upper = target. The 14-day window moves a day at a time (one slot
/// per day), and CPU percentiles come from buckets about 1% wide, so they may read up to 2% high
/// (most for the smallest values).
/// </summary>
public sealed class KrrStrategy : IRecommendationStrategy
{
    public const double CpuPercentile = 0.95, MemoryMargin = 1.15;
    public const int WindowDays = 14, MinSamples = 100;
    public const double MinCpuCores = 0.010, MinMemoryBytes = 100.0 * 1024 * 1024;
    public static readonly TimeSpan MinHistory = TimeSpan.FromHours(3);
    private const long Day = 86400;

    /// <summary>Fine buckets (growing 1% each) stand in for KRR's exact percentile.</summary>
    public static ExponentialBuckets CpuBuckets { get; } = new(0.001, 1.01, 1000);

    public string Name => "krr";

    public string Description => "KRR's simple strategy and defaults (14 days, CPU p95, memory peak + 15%)";

    public IContainerEstimator CreateEstimator() => new Estimator();

    private sealed class Estimator : IContainerEstimator
    {
        // One slot per day of the window, plus today's.
        private readonly Slot[] _slots = Enumerable.Range(0, WindowDays + 1).Select(_ => new Slot()).ToArray();
        private readonly int[] _window = new int[CpuBuckets.Count];
        private long _windowSamples;

        public void AddCpu(long timestamp, double cores)
        {
            var slot = SlotFor(timestamp);
            var bucket = CpuBuckets.Find(cores);
            slot.Cpu.TryGetValue(bucket, out var count);
            slot.Cpu[bucket] = count + 1;
            slot.First = Math.Min(slot.First, timestamp);
            slot.Last = Math.Max(slot.Last, timestamp);
            slot.Samples++;
            _window[bucket]++;
            _windowSamples++;
        }

        public void AddMemory(long timestamp, double bytes)
        {
            var slot = SlotFor(timestamp);
            slot.MemoryPeak = Math.Max(slot.MemoryPeak, bytes);
        }

        // KRR's simple strategy does not look at OOM kills; a killed container's usage still shows in its peak.
        public void AddOom(long timestamp, double bytes, double? requestBytes) => AddMemory(timestamp, bytes);

        public ContainerEstimate Recommend(long now)
        {
            foreach (var stale in _slots.Where(s => s.Day < now / Day - WindowDays && s.Samples > 0))
            {
                Forget(stale);
            }

            var live = _slots.Where(s => s.Samples > 0).ToList();
            if (_windowSamples < MinSamples || live.Count == 0 || live.Max(s => s.Last) - live.Min(s => s.First) < MinHistory.TotalSeconds)
            {
                return default;
            }

            var threshold = CpuPercentile * _windowSamples;
            long cumulative = 0;
            var cpu = 0.0;
            for (var i = 0; i < _window.Length; i++)
            {
                cumulative += _window[i];
                if (cumulative >= threshold)
                {
                    cpu = CpuBuckets.End(i);
                    break;
                }
            }

            var peak = live.Max(s => s.MemoryPeak);
            var cpuTarget = Math.Max(cpu, MinCpuCores);
            Estimate? memory = peak > 0 ? Flat(Math.Max(peak * MemoryMargin, MinMemoryBytes)) : null;
            return new ContainerEstimate(Flat(cpuTarget), memory);
        }

        private static Estimate Flat(double value) => new(value, value, value);

        /// <summary>The slot of the sample's day, recycling the slot of a day that left the window.</summary>
        private Slot SlotFor(long timestamp)
        {
            var day = timestamp / Day;
            var slot = _slots[(int)(day % _slots.Length)];
            if (slot.Day != day)
            {
                Forget(slot);
                slot.Reset(day);
            }

            return slot;
        }

        private void Forget(Slot slot)
        {
            foreach (var (bucket, count) in slot.Cpu)
            {
                _window[bucket] -= count;
                _windowSamples -= count;
            }

            slot.Reset(long.MinValue);
        }

        public void Write(BinaryWriter writer)
        {
            foreach (var slot in _slots)
            {
                writer.Write(slot.Day);
                writer.Write(slot.First);
                writer.Write(slot.Last);
                writer.Write(slot.Samples);
                writer.Write(slot.MemoryPeak);
                writer.Write((ushort)slot.Cpu.Count);
                foreach (var (bucket, count) in slot.Cpu)
                {
                    writer.Write((ushort)bucket);
                    writer.Write(count);
                }
            }
        }

        public void Read(BinaryReader reader)
        {
            Array.Clear(_window);
            _windowSamples = 0;
            foreach (var slot in _slots)
            {
                slot.Reset(reader.ReadInt64());
                slot.First = reader.ReadInt64();
                slot.Last = reader.ReadInt64();
                slot.Samples = reader.ReadInt64();
                slot.MemoryPeak = reader.ReadDouble();
                int buckets = reader.ReadUInt16();
                for (var i = 0; i < buckets; i++)
                {
                    int bucket = reader.ReadUInt16();
                    var count = reader.ReadInt32();
                    if (bucket >= _window.Length || count < 0)
                    {
                        throw new InvalidDataException($"krr state has bucket {bucket} with count {count}");
                    }

                    slot.Cpu[bucket] = count;
                    _window[bucket] += count;
                    _windowSamples += count;
                }
            }
        }

        private sealed class Slot
        {
            public long Day { get; private set; } = long.MinValue;

            public Dictionary<int, int> Cpu { get; } = [];

            public long First { get; set; } = long.MaxValue;

            public long Last { get; set; } = long.MinValue;

            public long Samples { get; set; }

            public double MemoryPeak { get; set; }

            public void Reset(long day)
            {
                Day = day;
                Cpu.Clear();
                First = long.MaxValue;
                Last = long.MinValue;
                Samples = 0;
                MemoryPeak = 0;
            }
        }
    }
}
