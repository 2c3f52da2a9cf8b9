using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Backtest.Scenarios;
using Resorcerer.Profiler.Recommendation;

namespace Resorcerer.Profiler.Tests.Backtest;

public sealed class ScenarioTests
{
    /// <summary>
    /// Shapes on which resorcerer still starves CPU more than the VPA does (docs/benchmarks.md): a daily rhythm
    /// and a batch window, whose rise an hourly recommendation meets late. Listed so that the test says so; a fix
    /// that closes a gap fails here until the entry is removed.
    /// </summary>
    private static readonly HashSet<string> KnownCpuShortfallGaps = ["daily", "batch"];

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
        if (KnownCpuShortfallGaps.Contains(name))
        {
            Assert.True(resorcerer.CpuShortfall > vpa.CpuShortfall, $"{name}: the known CPU gap is closed; remove it from the list and from docs/benchmarks.md");
        }
        else
        {
            Assert.True(resorcerer.CpuShortfall <= vpa.CpuShortfall, $"{name}: CPU shortfall {resorcerer.CpuShortfall:P3} against the VPA's {vpa.CpuShortfall:P3}");
        }
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
}
