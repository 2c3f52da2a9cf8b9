using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Tests.Backtest;

public class SeriesSimulationTests
{
    private const long Hour = 3600, Day = 86400;

    /// <summary>A strategy whose recommendation is a function of time, and that records what it was told.</summary>
    private sealed class Scripted(Func<long, ContainerEstimate> script) : IRecommendationStrategy
    {
        public Func<long, ContainerEstimate> Script { get; } = script;

        public List<(long Now, long LatestSample)> Recommendations { get; } = [];

        public List<(long Time, double Bytes, double? Request)> Ooms { get; } = [];

        public List<long> MemorySamples { get; } = [];

        public string Name => "scripted";

        public string Description => "test";

        public IContainerEstimator CreateEstimator() => new Estimator(this);

        private sealed class Estimator(Scripted owner) : IContainerEstimator
        {
            private long _latest = long.MinValue;

            public void AddCpu(long timestamp, double cores) => _latest = Math.Max(_latest, timestamp);

            public void AddMemory(long timestamp, double bytes) => owner.MemorySamples.Add(timestamp);

            public void AddOom(long timestamp, double bytes, double? requestBytes) => owner.Ooms.Add((timestamp, bytes, requestBytes));

            public ContainerEstimate Recommend(long now)
            {
                owner.Recommendations.Add((now, _latest));
                return owner.Script(now);
            }

            public void Write(BinaryWriter writer)
            {
            }

            public void Read(BinaryReader reader)
            {
            }
        }
    }

    private static ContainerEstimate Requests(double cpu, double memory) => new(new Estimate(cpu, cpu, cpu), new Estimate(memory, memory, memory));

    private static TraceRow Row(long t, double cpu, long memory = 100) => new(t, "w", "main", cpu, memory);

    [Fact]
    public void Recommendations_come_every_whole_hour_from_earlier_samples_only()
    {
        var strategy = new Scripted(_ => Requests(1, 1000));
        var simulation = new SeriesSimulation(strategy, "main");
        for (var t = 1800L; t < 5 * Hour; t += 300)
        {
            simulation.Add(Row(t, 0.5));
        }

        Assert.Equal([Hour, 2 * Hour, 3 * Hour, 4 * Hour], strategy.Recommendations.Select(r => r.Now));
        Assert.All(strategy.Recommendations, r => Assert.True(r.LatestSample < r.Now, $"at {r.Now} it had seen {r.LatestSample}"));
    }

    [Fact]
    public void Changes_of_ten_percent_or_less_are_not_applied()
    {
        // 1.00 at 1 h, 1.05 at 2 h (kept), 1.20 at 3 h (applied), 1.10 at 4 h (kept: 8% below 1.20).
        double[] cpu = [1.00, 1.05, 1.20, 1.10];
        var strategy = new Scripted(now => Requests(cpu[Math.Min(now / Hour - 1, 3)], 1000));
        var simulation = new SeriesSimulation(strategy, "main", recordHistory: true);
        for (var t = 0L; t <= 5 * Hour; t += 600)
        {
            simulation.Add(Row(t, 0.5));
        }

        Assert.Equal([(Hour, 1.0), (3 * Hour, 1.2)], simulation.History.Select(h => (h.Timestamp, h.Cpu!.Value)));
    }

    [Fact]
    public void Scores_follow_the_stated_formulas_after_the_first_day()
    {
        var simulation = SeriesSimulation.Fixed(cpuCores: 1.0, memoryBytes: 1000);
        simulation.Add(Row(0, 5.0, 5000)); // first day: learned, not scored
        simulation.Add(Row(Day, 0.5, 400)); // cpu slack 0.5, memory slack 600
        simulation.Add(Row(Day + 300, 1.5, 0)); // cpu shortfall 0.5; memory missing
        simulation.Add(Row(Day + 600, 1.0, 1200)); // memory above the limit: one OOM

        var result = BacktestResult.From("fixed", simulation.Finish());

        Assert.Equal(3, result.ScoredSamples);
        Assert.Equal(0.5 / 3.0, result.CpuSlack, 12); // sum(max(r-u,0)) / sum(r)
        Assert.Equal(0.5 / 3.0, result.CpuShortfall, 12); // sum(max(u-r,0)) / sum(u)
        Assert.Equal(1 / 3.0, result.CpuShortfallSamples, 12);
        Assert.Equal(600 / 2000.0, result.MemorySlack, 12); // the missing reading is not scored
        Assert.Equal((1, 1), (result.OomEvents, result.OomSeries));
    }

    [Fact]
    public void An_oom_is_told_to_the_strategy_and_acted_on_at_once()
    {
        // Memory request 1000 from the first hour on; at 30 h usage 1080 exceeds it. The strategy then wants 1050,
        // which is within 10% of 1000 but is applied anyway because it follows an OOM.
        var strategy = new Scripted(now => Requests(1, now < 30 * Hour ? 1000 : 1050));
        var simulation = new SeriesSimulation(strategy, "main", recordHistory: true);
        for (var t = 0L; t < 30 * Hour; t += 600)
        {
            simulation.Add(Row(t, 0.5, 900));
        }

        simulation.Add(Row(30 * Hour, 0.5, 1080));

        Assert.Equal([(30 * Hour, 1080.0, (double?)1000)], strategy.Ooms);
        Assert.Equal(1050, simulation.History[^1].Memory);
        Assert.Equal(30 * Hour, simulation.History[^1].Timestamp);
        Assert.Equal(1, simulation.Finish().OomEvents);
    }

    [Fact]
    public void Missing_memory_readings_are_not_learned_from()
    {
        var strategy = new Scripted(_ => Requests(1, 1000));
        var simulation = new SeriesSimulation(strategy, "main");
        simulation.Add(Row(0, 0.5, 0));
        simulation.Add(Row(60, 0.5, 10));

        Assert.Equal([60L], strategy.MemorySamples);
    }

    [Fact]
    public void Samples_out_of_time_order_are_refused() =>
        Assert.Throws<ArgumentException>(() =>
        {
            var simulation = SeriesSimulation.Fixed(1, 1);
            simulation.Add(Row(100, 1));
            simulation.Add(Row(50, 1));
        });

    public static TheoryData<string> Strategies => new(StrategyCatalog.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void The_replay_never_looks_ahead(string name)
    {
        // Two series share four days, then one doubles its usage. Up to the fork every request must be the same.
        var strategy = StrategyCatalog.Find(name)!;
        const long Fork = 4 * Day;
        IEnumerable<TraceRow> Series(double later) => Enumerable.Range(0, 8 * 288).Select(i =>
        {
            var t = i * 300L;
            var usage = 0.2 + 0.1 * Math.Sin(i / 20.0);
            return Row(t, t < Fork ? usage : usage * later, (long)((t < Fork ? 500e6 : 500e6 * later) + i % 50 * 1e6));
        });

        var calm = new SeriesSimulation(strategy, "main", recordHistory: true);
        var busy = new SeriesSimulation(strategy, "main", recordHistory: true);
        foreach (var row in Series(1.0))
        {
            calm.Add(row);
        }

        foreach (var row in Series(2.0))
        {
            busy.Add(row);
        }

        var before = calm.History.Where(h => h.Timestamp < Fork).ToList();
        Assert.NotEmpty(before);
        Assert.Equal(before, busy.History.Where(h => h.Timestamp < Fork));
        Assert.NotEqual(calm.History, busy.History); // and the futures do differ
    }
}
