using Resorcerer.Profiler.Recommendation.Strategies;

namespace Resorcerer.Profiler.Tests.Recommendation.Strategies;

public class KrrStrategyTests
{
    private const double Mi = 1024 * 1024;
    private readonly KrrStrategy _krr = new();

    [Fact]
    public void Cpu_is_the_p95_and_memory_the_peak_plus_15_percent()
    {
        var estimator = _krr.CreateEstimator();
        for (var i = 1; i <= 200; i++) // 0.001 .. 0.200 cores over 200 minutes
        {
            estimator.AddCpu(i * 60L, i / 1000.0);
            estimator.AddMemory(i * 60L, i == 100 ? 500 * Mi : 200 * Mi);
        }

        var estimate = estimator.Recommend(201 * 60);
        // The 190th of 200 values is 0.190; the buckets may read it up to 2% high.
        Assert.InRange(estimate.Cpu!.Value.Target, 0.190, 0.190 * 1.02);
        Assert.Equal(575 * Mi, estimate.Memory!.Value.Target, 0);
        Assert.Equal(estimate.Cpu.Value.Target, estimate.Cpu.Value.UpperBound);
    }

    [Theory]
    [InlineData(99, 60)] // too few samples
    [InlineData(150, 60)] // 150 minutes: less than 3 h
    public void Nothing_before_100_samples_over_3_hours(int samples, int secondsApart)
    {
        var estimator = _krr.CreateEstimator();
        for (var i = 0; i < samples; i++)
        {
            estimator.AddCpu(i * (long)secondsApart, 0.1);
        }

        Assert.Null(estimator.Recommend(samples * (long)secondsApart).Cpu);
    }

    [Fact]
    public void Floors_are_10_millicores_and_100_MiB()
    {
        var estimator = _krr.CreateEstimator();
        for (var i = 0; i < 300; i++)
        {
            estimator.AddCpu(i * 60L, 0.0001);
            estimator.AddMemory(i * 60L, Mi);
        }

        var estimate = estimator.Recommend(300 * 60);
        Assert.Equal(0.010, estimate.Cpu!.Value.Target, 9);
        Assert.Equal(100 * Mi, estimate.Memory!.Value.Target, 0);
    }

    [Fact]
    public void Only_the_last_14_days_count()
    {
        var estimator = _krr.CreateEstimator();
        const long Day = 86400;
        for (var i = 0; i < 500; i++)
        {
            estimator.AddCpu(i * 60L, 1.0); // day 0: a busy start
            estimator.AddMemory(i * 60L, 900 * Mi);
        }

        for (var i = 0; i < 500; i++)
        {
            estimator.AddCpu(20 * Day + i * 60L, 0.1); // day 20: quiet
            estimator.AddMemory(20 * Day + i * 60L, 100 * Mi);
        }

        var estimate = estimator.Recommend(20 * Day + 500 * 60);
        Assert.InRange(estimate.Cpu!.Value.Target, 0.1, 0.1 * 1.02);
        Assert.Equal(115 * Mi, estimate.Memory!.Value.Target, 0);
    }
}
