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

        public void AddCpu(long timestamp, double cores)
        {
            var slot = SlotFor(timestamp);
            var bucket = CpuBuckets.Find(cores);
            slot.Cpu.TryGetValue(bucket, out var count);
            slot.Cpu[bucket] = count + 1;
            slot.First = Math.Min(slot.First, timestamp);
            slot.Last = Math.Max(slot.Last, timestamp);
            slot.Samples++;
        }

        public void AddMemory(long timestamp, double bytes)
        {
            var slot = SlotFor(timestamp);
            slot.MemoryPeak = Math.Max(slot.MemoryPeak, bytes);
        }

        // KRR's simple strategy does not look at OOM kills; a killed container's usage still shows in its peak.
        public void AddOom(long timestamp, double bytes, double? requestBytes) => AddMemory(timestamp, bytes);

        // KRR recomputes from its window every time: nothing to do on the hour.
        public void Tick(long hour)
        {
        }

        /// <summary>From the days of the last 14 that have samples; days that left the window are left out, not forgotten.</summary>
        public ContainerEstimate Recommend(long now)
        {
            var live = _slots.Where(s => s.Samples > 0 && s.Day >= now / Day - WindowDays).ToList();
            var samples = live.Sum(s => s.Samples);
            if (samples < MinSamples || live.Max(s => s.Last) - live.Min(s => s.First) < MinHistory.TotalSeconds)
            {
                return default;
            }

            var counts = new long[CpuBuckets.Count];
            foreach (var slot in live)
            {
                foreach (var (bucket, count) in slot.Cpu)
                {
                    counts[bucket] += count;
                }
            }

            var threshold = CpuPercentile * samples;
            long cumulative = 0;
            var cpu = 0.0;
            for (var i = 0; i < counts.Length; i++)
            {
                cumulative += counts[i];
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
                slot.Reset(day);
            }

            return slot;
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

        public void Read(StateReader reader)
        {
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
                    if (bucket >= CpuBuckets.Count || count < 0)
                    {
                        throw new InvalidDataException($"krr state has bucket {bucket} with count {count}");
                    }

                    slot.Cpu[bucket] = count;
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
