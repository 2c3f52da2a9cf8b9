using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Tests.Backtest;

public class WorkloadSimulationTests
{
    private const long Hour = 3600, Day = 86400, Mi = 1024 * 1024;

    /// <summary>No history needed: these tests are about the replay's rules, not about how much data a strategy wants.</summary>
    private static readonly RecommendationSettings AnyData = new(1, TimeSpan.Zero);

    /// <summary>A strategy whose recommendation is a function of time, and that records what it was told.</summary>
    private sealed class Scripted(Func<long, ContainerEstimate> script) : IRecommendationStrategy
    {
        public Func<long, ContainerEstimate> Script { get; } = script;

        public List<(long Hour, long LatestSample)> Ticks { get; } = [];

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

            public void Tick(long hour) => owner.Ticks.Add((hour, _latest));

            public ContainerEstimate Recommend(long now) => owner.Script(now);

            public void Write(BinaryWriter writer) => writer.Write(_latest);

            public void Read(StateReader reader) => _latest = reader.ReadInt64();
        }
    }

    private static ContainerEstimate Requests(double cpu, double memory) => new(new Estimate(cpu, cpu, cpu), new Estimate(memory, memory, memory));

    private static TraceRow Row(long t, double cpu, long memory = 100 * Mi, string container = "main") => new(t, "w", container, cpu, memory);

    [Fact]
    public void Recommendations_come_every_whole_hour_from_the_samples_up_to_it()
    {
        var strategy = new Scripted(_ => Requests(1, 1000 * Mi));
        var simulation = new WorkloadSimulation(strategy, AnyData);
        for (var t = 1800L; t < 5 * Hour; t += 300)
        {
            simulation.Add(Row(t, 0.5));
        }

        Assert.Equal([Hour, 2 * Hour, 3 * Hour, 4 * Hour], strategy.Ticks.Select(r => r.Hour));
        // The sample at the whole hour is in; none after it.
        Assert.All(strategy.Ticks, r => Assert.Equal(r.Hour, r.LatestSample));
    }

    [Fact]
    public void A_recommendation_applies_to_the_samples_after_its_hour()
    {
        var simulation = new WorkloadSimulation(new Scripted(now => Requests(now / Hour, 1000 * Mi)), AnyData, recordHistory: true);
        for (var t = 0L; t <= 3 * Hour; t += 600)
        {
            simulation.Add(Row(t, 0.5));
        }

        // Applied at 1 h (1 core) and 2 h (2 cores: +100%); the row at 3 h is scored against 2 cores, the 3-core answer comes after it.
        Assert.Equal([(Hour, 1.0), (2 * Hour, 2.0)], simulation.History("main").Select(h => (h.Timestamp, h.Cpu!.Value)));
    }

    [Fact]
    public void Changes_of_ten_percent_or_less_are_not_applied()
    {
        // 1.00 at 1 h, 1.05 at 2 h (kept), 1.20 at 3 h (applied), 1.10 at 4 h (kept: 8% below 1.20).
        double[] cpu = [1.00, 1.05, 1.20, 1.10];
        var strategy = new Scripted(now => Requests(cpu[Math.Min(now / Hour - 1, 3)], 1000 * Mi));
        var simulation = new WorkloadSimulation(strategy, AnyData, recordHistory: true);
        for (var t = 0L; t <= 5 * Hour; t += 600)
        {
            simulation.Add(Row(t, 0.5));
        }

        Assert.Equal([(Hour, 1.0), (3 * Hour, 1.2)], simulation.History("main").Select(h => (h.Timestamp, h.Cpu!.Value)));
    }

    [Fact]
    public void Nothing_is_applied_before_the_data_is_thick_enough()
    {
        var simulation = new WorkloadSimulation(new Scripted(_ => Requests(1, 1000 * Mi)), recordHistory: true);
        for (var t = 0L; t <= 5 * Hour; t += 60)
        {
            simulation.Add(Row(t, 0.5));
        }

        // The profiler's defaults: 100 samples spanning 3 h. The first hour after both is 3 h.
        Assert.Equal(3 * Hour, simulation.History("main")[0].Timestamp);
    }

    [Fact]
    public void Scores_follow_the_stated_formulas_after_the_first_day()
    {
        var simulation = new FixedRequests(cpuCores: 1.0, memoryBytes: 1000);
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
        // Memory request 1000 MiB from the first hour on; at 30 h usage 1080 MiB exceeds it. The strategy then wants
        // 1050 MiB, within 10% of 1000 MiB, but applied anyway because it follows an OOM.
        var strategy = new Scripted(now => Requests(1, now < 30 * Hour ? 1000 * Mi : 1050 * Mi));
        var simulation = new WorkloadSimulation(strategy, AnyData, recordHistory: true);
        for (var t = 0L; t < 30 * Hour; t += 600)
        {
            simulation.Add(Row(t, 0.5, 900 * Mi));
        }

        simulation.Add(Row(30 * Hour, 0.5, 1080 * Mi));

        Assert.Equal([(30 * Hour, 1080.0 * Mi, (double?)(1000 * Mi))], strategy.Ooms);
        Assert.Equal(1050 * Mi, simulation.History("main")[^1].Memory);
        Assert.Equal(30 * Hour, simulation.History("main")[^1].Timestamp);
        Assert.Equal(1, simulation.Finish().OomEvents);
    }

    [Fact]
    public void Memory_requests_round_up_to_whole_mebibytes_as_profiles_do()
    {
        var simulation = new WorkloadSimulation(new Scripted(_ => Requests(0.1234567, 300 * Mi + 1)), AnyData, recordHistory: true);
        for (var t = 0L; t <= 2 * Hour; t += 600)
        {
            simulation.Add(Row(t, 0.5));
        }

        var applied = simulation.History("main")[0];
        Assert.Equal(0.124, applied.Cpu!.Value, 9); // whole millicores, rounded up
        Assert.Equal(301 * Mi, applied.Memory);
    }

    [Fact]
    public void The_vpa_shares_its_per_pod_minimum_among_the_workloads_containers()
    {
        var vpa = StrategyCatalog.Find("vpa")!;
        var alone = new WorkloadSimulation(vpa, recordHistory: true);
        var pair = new WorkloadSimulation(vpa, recordHistory: true);
        for (var t = 0L; t <= 6 * Hour; t += 60)
        {
            alone.Add(Row(t, 0.001, 10 * Mi));
            pair.Add(Row(t, 0.001, 10 * Mi, container: "app"));
            pair.Add(Row(t, 0.001, 10 * Mi, container: "sidecar"));
        }

        var single = alone.History("main")[^1];
        Assert.Equal((0.025, 250.0 * Mi), (single.Cpu!.Value, single.Memory!.Value));
        foreach (var container in new[] { "app", "sidecar" })
        {
            var shared = pair.History(container)[^1];
            Assert.Equal((0.013, 125.0 * Mi), (shared.Cpu!.Value, shared.Memory!.Value)); // 12.5 millicores, rounded up
        }
    }

    [Fact]
    public void Missing_memory_readings_are_not_learned_from()
    {
        var strategy = new Scripted(_ => Requests(1, 1000));
        var simulation = new WorkloadSimulation(strategy, AnyData);
        simulation.Add(Row(0, 0.5, 0));
        simulation.Add(Row(60, 0.5, 10));

        Assert.Equal([60L], strategy.MemorySamples);
    }

    [Fact]
    public void Samples_out_of_time_order_are_refused() =>
        Assert.Throws<ArgumentException>(() =>
        {
            var simulation = new WorkloadSimulation(new Scripted(_ => Requests(1, 1)));
            simulation.Add(Row(100, 1, container: "a"));
            simulation.Add(Row(50, 1, container: "b"));
        });

    public static TheoryData<string> Strategies => new(StrategyCatalog.All.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(Strategies))]
    public void The_replay_never_looks_ahead(string name)
    {
        // Two series share four days (with half a day in which the pod did not run), then one doubles its usage. Up to
        // the fork every request must be the same.
        var strategy = StrategyCatalog.Find(name)!;
        const long Fork = 4 * Day;
        IEnumerable<TraceRow> Series(double later) => Enumerable.Range(0, 8 * 288).Where(i => i * 300L is < 2 * Day or >= 2 * Day + 12 * Hour).Select(i =>
        {
            var t = i * 300L;
            var usage = 0.2 + 0.1 * Math.Sin(i / 20.0);
            return Row(t, t < Fork ? usage : usage * later, (long)((t < Fork ? 500e6 : 500e6 * later) + i % 50 * 1e6));
        });

        var calm = new WorkloadSimulation(strategy, recordHistory: true);
        var busy = new WorkloadSimulation(strategy, recordHistory: true);
        foreach (var row in Series(1.0))
        {
            calm.Add(row);
        }

        foreach (var row in Series(2.0))
        {
            busy.Add(row);
        }

        var before = calm.History("main").Where(h => h.Timestamp < Fork).ToList();
        Assert.NotEmpty(before);
        Assert.Equal(before, busy.History("main").Where(h => h.Timestamp < Fork));
        Assert.NotEqual(calm.History("main"), busy.History("main")); // and the futures do differ
    }

    [Fact]
    public void In_initial_mode_requests_change_only_when_the_pod_is_recreated_and_an_OOM_kill_waits_for_it()
    {
        // The recommendation climbs every hour; memory 100 Mi is used, and from hour 30 on 300 Mi (above the request).
        var strategy = new Scripted(now => Requests(1 + now / (double)Day, 200 * Mi));
        var simulation = new WorkloadSimulation(strategy, AnyData, recordHistory: true, updates: UpdateModel.Recreated(TimeSpan.FromHours(24)));
        for (var t = 0L; t < 3 * Day; t += 300)
        {
            simulation.Add(Row(t, 0.5, t >= 30 * Hour ? 300 * Mi : 100 * Mi));
        }

        var score = simulation.Finish();

        // Set at the restarts (24 h and 48 h) only, to the recommendation of that hour; the OOM kills at 30 h do not move memory.
        Assert.Equal([1 * Day, 2 * Day], simulation.History("main").Select(h => h.Timestamp));
        Assert.Equal(2.0, simulation.History("main")[0].Cpu);
        Assert.Equal(3.0, simulation.History("main")[1].Cpu);
        Assert.True(score.OomEvents > 100, $"every sample above the request from 30 h on is a kill: {score.OomEvents}");
        Assert.NotEmpty(strategy.Ooms);
    }

    [Fact]
    public void In_place_the_same_trace_moves_memory_at_the_first_OOM_kill()
    {
        var strategy = new Scripted(now => Requests(1, now >= 30 * Hour ? 400 * Mi : 200 * Mi));
        var inPlace = new WorkloadSimulation(strategy, AnyData);
        var initial = new WorkloadSimulation(strategy, AnyData, updates: UpdateModel.Recreated(TimeSpan.FromHours(24)));
        for (var t = 0L; t < 3 * Day; t += 300)
        {
            var row = Row(t, 0.5, t >= 30 * Hour ? 300 * Mi : 100 * Mi);
            inPlace.Add(row);
            initial.Add(row);
        }

        Assert.Equal(1, inPlace.Finish().OomEvents);
        Assert.True(initial.Finish().OomEvents > 100);
    }
}
