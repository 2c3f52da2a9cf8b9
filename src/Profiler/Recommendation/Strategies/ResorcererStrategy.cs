namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// The constants of resorcerer's strategy. They were chosen on the development traces for the general
/// case (see docs/benchmarks.md), not per series; each is a plain, explainable setting.
/// </summary>
public sealed record ResorcererSettings
{
    /// <summary>Half-lives of the CPU histograms the models read: fast to slow.</summary>
    public TimeSpan[] CpuHalfLives { get; init; } = [TimeSpan.FromHours(1), TimeSpan.FromHours(6), TimeSpan.FromHours(24), TimeSpan.FromDays(7)];

    public double[] CpuPercentiles { get; init; } = [0.90, 0.95, 0.98, 0.995];

    /// <summary>The model used before any has a cost history: 24 h half-life, p95.</summary>
    public int InitialModel { get; init; } = 2 * 4 + 1;

    /// <summary>A starved core-second costs this many idle reserved core-seconds (about the 97th percentile in newsvendor terms).</summary>
    public double ShortfallCost { get; init; } = 33;

    /// <summary>How fast a model's past costs are forgotten.</summary>
    public TimeSpan CostHalfLife { get; init; } = TimeSpan.FromHours(72);

    /// <summary>A lower CPU recommendation is only made once it is this much below the last one (rises apply at once).</summary>
    public double CpuDownBand { get; init; } = 0.20;

    /// <summary>The least CPU request: the VPA's per-pod minimum. Below it a burst has no room and nothing measurable is saved.</summary>
    public double MinCpuCores { get; init; } = 0.025;

    /// <summary>The chosen model's proposal with this much more (the VPA's and KRR's 15%): the same safety, on a tighter estimate.</summary>
    public double CpuMargin { get; init; } = 1.15;

    /// <summary>Whether the CPU request rises ahead of an hour of the day that needed more on the last days it was seen.</summary>
    public bool FollowRhythm { get; init; } = true;

    /// <summary>The least rise worth making ahead of an hour: smaller ones are noise, not a rhythm, and not worth a resize.</summary>
    public double RhythmMinRiseCores { get; init; } = 0.010;

    /// <summary>How many days the container ran that each day's memory peak is held at full height, before it fades.</summary>
    public int MemoryHoldDays { get; init; } = 3;

    /// <summary>The most a gap between two samples counts for on the memory clock: days without the pod do not age its peak.</summary>
    public TimeSpan MemoryGapAllowance { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How fast the highest memory peak ever seen fades, counted on the running clock.</summary>
    public TimeSpan MemoryPeakHalfLife { get; init; } = TimeSpan.FromDays(14);

    public TimeSpan MemoryMeanHalfLife { get; init; } = TimeSpan.FromDays(3);

    /// <summary>The least headroom above the memory peak, as a fraction (the VPA's and KRR's 15%); the swing gives more where it is wider.</summary>
    public double MemoryMargin { get; init; } = 1.15;

    public double MaxMemoryHeadroom { get; init; } = 512.0 * 1024 * 1024;

    /// <summary>An OOM kill is remembered as a peak this much above the usage seen when it happened.</summary>
    public double OomBump { get; init; } = 1.10;

    public double MinMemoryBytes { get; init; } = 32.0 * 1024 * 1024;
}

/// <summary>
/// resorcerer's default strategy. CPU: a per-workload choice among 16 models (4 decay half-lives x 4 percentiles)
/// by the cost each would have had on the usage that followed, chosen every hour, with a 15% margin, rising at once
/// and falling only by more than 20%; and for one hour ahead of an hour of the day that needed more on the last
/// days it was seen.
/// Memory: the peaks of the last days it ran held at full height, plus headroom sized by how far usage swings (at
/// least 15%), with OOM kills raising the peak.
/// </summary>
public sealed class ResorcererStrategy(ResorcererSettings? settings = null) : IRecommendationStrategy
{
    private readonly ResorcererSettings _settings = settings ?? new ResorcererSettings();

    public string Name => "resorcerer";

    public string Description => "resorcerer's default: per-workload choice of CPU model by cost, raised ahead of the hour of the day; memory peaks held while the pod runs, with swing-sized headroom";

    public IContainerEstimator CreateEstimator() => new Estimator(_settings);

    private sealed class Estimator(ResorcererSettings settings) : IContainerEstimator
    {
        private readonly CostEnsemble _cpu = new(settings);
        private readonly PeakWithHeadroom _memory = new(settings);
        private readonly DailyRhythm _rhythm = new();
        private double _lastCpu;
        private double _ahead;

        public void AddCpu(long timestamp, double cores)
        {
            _cpu.Add(timestamp, cores);
            _rhythm.Add(timestamp, cores);
        }

        public void AddMemory(long timestamp, double bytes) => _memory.Add(timestamp, bytes);

        public void AddOom(long timestamp, double bytes, double? requestBytes) => _memory.AddOom(timestamp, Math.Max(bytes, requestBytes ?? 0));

        /// <summary>The ensemble chooses its model; the target rises at once and falls only past the band, so that small dips do not churn pods.</summary>
        public void Tick(long hour)
        {
            _cpu.Tick(hour);
            _rhythm.Tick(hour);
            var wanted = Math.Max(_cpu.Proposal * settings.CpuMargin, settings.MinCpuCores);
            _lastCpu = wanted < _lastCpu && wanted > _lastCpu * (1 - settings.CpuDownBand) ? _lastCpu : wanted;
            // Ahead of an hour of the day that needed more on the last two days it was seen: that level with the margin, up
            // to the upper bound, for this hour only (it never holds the request up through the band).
            var ahead = settings.FollowRhythm ? Math.Min(_rhythm.Coming(hour) * settings.CpuMargin, CpuCeiling) : 0;
            _ahead = ahead - _lastCpu >= settings.RhythmMinRiseCores ? ahead : 0;
        }

        public ContainerEstimate Recommend(long now)
        {
            Estimate? cpu = null;
            if (!_cpu.IsEmpty)
            {
                // Before the first tick (less than an hour of data), what the initial model proposes.
                var target = _cpu.HasTicked ? Math.Max(_lastCpu, _ahead) : Math.Max(_cpu.InitialProposal, settings.MinCpuCores);
                var (halfLife, _) = _cpu.Choice;
                cpu = new Estimate(
                    target,
                    Math.Min(Math.Max(_cpu.Percentile(halfLife, 0.5), settings.MinCpuCores), target),
                    Math.Max(target, CpuCeiling));
            }

            return new ContainerEstimate(cpu, _memory.IsEmpty ? null : _memory.Recommend(now));
        }

        /// <summary>The upper bound: the slowest histogram's p99.5 with 15% more.</summary>
        private double CpuCeiling => _cpu.Percentile(settings.CpuHalfLives.Length - 1, 0.995) * 1.15;

        public void Write(BinaryWriter writer)
        {
            _cpu.Write(writer);
            writer.Write(_lastCpu);
            _memory.Write(writer);
            _rhythm.Write(writer);
            writer.Write(_ahead);
        }

        public void Read(StateReader reader)
        {
            _cpu.Read(reader);
            _lastCpu = reader.ReadDouble();
            _memory.Read(reader);
            if (reader.Version >= 3)
            {
                _rhythm.Read(reader);
                _ahead = reader.ReadDouble();
            }
        }
    }
}
