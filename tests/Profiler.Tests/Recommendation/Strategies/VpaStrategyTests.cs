using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Recommendation.Strategies;

namespace Resorcerer.Profiler.Tests.Recommendation.Strategies;

public class VpaStrategyTests
{
    private const double Mi = 1024 * 1024, Gi = 1024 * Mi;
    private readonly VpaStrategy _vpa = new();

    [Fact]
    public void Cpu_target_is_p90_plus_15_percent_with_confidence_bounds()
    {
        var estimator = _vpa.CreateEstimator();
        for (var minute = 0; minute <= 14400; minute++) // ten days, one sample a minute
        {
            estimator.AddCpu(minute * 60L, 0.5);
        }

        var cpu = estimator.Recommend(14400 * 60L).Cpu!.Value;
        // 0.5 core is in bucket 25, whose upper edge is 0.2 x (1.05^26 - 1) = 0.51113...; x 1.15 = 0.58780...
        Assert.Equal(0.5878047182272021, cpu.Target, 9);
        // Confidence min(10 days, 14401/1440) = 10: upper x (1 + 1/10), lower x (1 + 0.001/10)^-2.
        Assert.Equal(0.6465851900499224, cpu.UpperBound, 9);
        Assert.Equal(0.5876871749153473, cpu.LowerBound, 9);
    }

    [Fact]
    public void Little_history_widens_the_upper_bound()
    {
        var estimator = _vpa.CreateEstimator();
        for (var minute = 0; minute <= 60; minute++)
        {
            estimator.AddCpu(minute * 60L, 0.5);
        }

        var cpu = estimator.Recommend(3600).Cpu!.Value;
        // Confidence = min(1/24 day, 61/1440) = 1/24: upper x 25.
        Assert.Equal(cpu.Target * 25, cpu.UpperBound, 9);
    }

    [Fact]
    public void Memory_keeps_one_peak_a_day_and_older_days_weigh_less()
    {
        var estimator = _vpa.CreateEstimator();
        for (var minute = 0; minute <= 2880; minute++) // two days of CPU samples: confidence 2
        {
            estimator.AddCpu(minute * 60L, 0.1);
        }

        estimator.AddMemory(0, 100 * Mi);
        estimator.AddMemory(600, 300 * Mi); // replaces the day's peak
        estimator.AddMemory(1200, 200 * Mi); // below the peak: ignored
        estimator.AddMemory(86400, 100 * Mi); // day 2: weighs 2 against day 1's 1

        var memory = estimator.Recommend(2 * 86400).Memory!.Value;
        // p90 needs day 1's 300 Mi peak (bucket 19, upper edge 330659541); p50 is day 2's 100 Mi (bucket 8, upper edge 110265643).
        Assert.Equal(380258472.18321705, memory.Target, 3);
        Assert.Equal(126805489.67505874 * Math.Pow(1 + 0.001 / 2, -2), memory.LowerBound, 0);
    }

    [Fact]
    public void An_oom_records_a_bump_above_the_larger_of_request_and_peak()
    {
        var estimator = _vpa.CreateEstimator();
        estimator.AddCpu(0, 0.1);
        estimator.AddMemory(0, 500 * Mi);
        estimator.AddOom(60, 600 * Mi, requestBytes: Gi);

        // used = max(1 Gi request, 600 Mi) = 1 Gi; bump = max(1 Gi + 100 Mi, 1.2 Gi) = 1.2 Gi, in bucket 41 (upper edge 1352317511).
        Assert.Equal(1555165137.67701, estimator.Recommend(60).Memory!.Value.Target, 0);
    }

    [Fact]
    public void Per_pod_minimums_are_shared_between_containers()
    {
        var tiny = new ContainerEstimate(new Estimate(0.001, 0.001, 0.001), new Estimate(10 * Mi, 10 * Mi, 10 * Mi));
        var pod = _vpa.ForPod(new Dictionary<string, ContainerEstimate> { ["app"] = tiny, ["sidecar"] = tiny });

        Assert.All(pod.Values, c =>
        {
            Assert.Equal(0.0125, c.Cpu!.Value.Target, 9);
            Assert.Equal(125 * Mi, c.Memory!.Value.Target, 0);
        });
    }

    [Fact]
    public void Nothing_is_recommended_without_data() => Assert.Equal(default, _vpa.CreateEstimator().Recommend(0));
}
