using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Backtest.Scenarios;
using Resorcerer.Profiler.Recommendation;

namespace Resorcerer.Profiler.Tests.Backtest;

public sealed class ScenarioTests
{
    public static TheoryData<string> Names() => [.. ScenarioLibrary.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Resorcerer_kills_no_more_pods_and_starves_no_more_cpu_than_the_vpa(string name)
    {
        var scenario = ScenarioLibrary.Find(name)!;
        var run = new BacktestRun([StrategyCatalog.Find("resorcerer")!, StrategyCatalog.Find("vpa")!], provisioned: null);
        for (var variant = 0; variant < BacktestCommand.ScenarioVariants; variant++)
        {
            foreach (var row in scenario.Rows(variant))
            {
                run.Add(row, name, 0);
            }
        }

        var results = run.Results();
        var (resorcerer, vpa) = (results[0], results[1]);
        Assert.Equal(BacktestCommand.ScenarioVariants, resorcerer.Series);
        Assert.True(resorcerer.OomEvents <= vpa.OomEvents, $"{name}: {resorcerer.OomEvents} OOM kills against the VPA's {vpa.OomEvents}");
        Assert.True(resorcerer.CpuShortfall <= vpa.CpuShortfall, $"{name}: CPU shortfall {resorcerer.CpuShortfall:P3} against the VPA's {vpa.CpuShortfall:P3}");
    }

    [Fact]
    public void A_scenario_is_the_same_on_every_run_and_its_variants_differ()
    {
        foreach (var scenario in ScenarioLibrary.All)
        {
            var once = scenario.Rows(1, days: 3).ToList();
            Assert.NotEmpty(once);
            Assert.Equal(once, scenario.Rows(1, days: 3));
            Assert.NotEqual(once.Select(r => (r.CpuCores, r.MemoryBytes)), scenario.Rows(2, days: 3).Select(r => (r.CpuCores, r.MemoryBytes)));
            Assert.All(once, r => Assert.True(r.CpuCores >= 0 && r.MemoryBytes > 0, $"{scenario.Name}: {r}"));
            Assert.True(once.Zip(once.Skip(1)).All(p => p.First.Timestamp < p.Second.Timestamp), $"{scenario.Name}: rows out of time order");
        }
    }

    [Fact]
    public void The_gaps_scenario_has_days_without_samples()
    {
        var rows = ScenarioLibrary.Find("gaps")!.Rows(0).ToList();

        var longestGap = rows.Zip(rows.Skip(1)).Max(p => p.Second.Timestamp - p.First.Timestamp);
        Assert.True(longestGap >= 86400, $"longest gap {longestGap} s");
    }

    /// <summary>
    /// What the bounds mean (docs/backtest.md), tried on every scenario by holding the requests at a bound instead of
    /// the target: at the lower bound CPU is starved in more than 1% of the samples and memory is killed at least as
    /// often; at the upper bound neither is starved nor killed more than at the target.
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Below_the_lower_bound_pods_starve_and_at_the_upper_bound_they_are_safer(string name)
    {
        var resorcerer = StrategyCatalog.Find("resorcerer")!;
        var run = new BacktestRun([resorcerer, new AtBound(resorcerer, upper: false), new AtBound(resorcerer, upper: true)], provisioned: null);
        for (var variant = 0; variant < BacktestCommand.ScenarioVariants; variant++)
        {
            foreach (var row in ScenarioLibrary.Find(name)!.Rows(variant))
            {
                run.Add(row, name, 0);
            }
        }

        var results = run.Results();
        var (target, lower, upper) = (results[0], results[1], results[2]);
        Assert.True(lower.CpuShortfallSamples > 0.01, $"{name}: at the lower bound {lower.CpuShortfallSamples:P2} of samples are starved");
        Assert.True(lower.OomEvents >= target.OomEvents, $"{name}: {lower.OomEvents} OOM kills at the lower bound, {target.OomEvents} at the target");
        Assert.True(upper.CpuShortfall <= target.CpuShortfall, $"{name}: CPU shortfall {upper.CpuShortfall:P3} at the upper bound, {target.CpuShortfall:P3} at the target");
        Assert.True(upper.OomEvents <= target.OomEvents, $"{name}: {upper.OomEvents} OOM kills at the upper bound, {target.OomEvents} at the target");
    }

    /// <summary>A strategy that recommends one of another's bounds as its target.</summary>
    private sealed class AtBound(IRecommendationStrategy inner, bool upper) : IRecommendationStrategy
    {
        public string Name => inner.Name + (upper ? "@upper" : "@lower");

        public string Description => inner.Description;

        public IContainerEstimator CreateEstimator() => new Estimator(inner.CreateEstimator(), upper);

        private sealed class Estimator(IContainerEstimator inner, bool upper) : IContainerEstimator
        {
            public void AddCpu(long timestamp, double cores) => inner.AddCpu(timestamp, cores);

            public void AddMemory(long timestamp, double bytes) => inner.AddMemory(timestamp, bytes);

            public void AddOom(long timestamp, double bytes, double? requestBytes) => inner.AddOom(timestamp, bytes, requestBytes);

            public void Tick(long hour) => inner.Tick(hour);

            public ContainerEstimate Recommend(long now)
            {
                var estimate = inner.Recommend(now);
                return new ContainerEstimate(Bound(estimate.Cpu), Bound(estimate.Memory));
            }

            public void Write(BinaryWriter writer) => inner.Write(writer);

            public void Read(StateReader reader) => inner.Read(reader);

            private Estimate? Bound(Estimate? estimate) =>
                estimate is { } e ? new Estimate(upper ? e.UpperBound : e.LowerBound, e.LowerBound, e.UpperBound) : null;
        }
    }
}
