using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Recommendation.Histograms;
using Resorcerer.Profiler.Recommendation.Strategies;

namespace Resorcerer.Profiler.Tests.Recommendation.Strategies;

public class ResorcererStrategyTests
{
    private const double Mi = 1024 * 1024, Gi = 1024 * Mi;
    private static readonly ResorcererSettings Defaults = new();

    [Fact]
    public void Flat_memory_gets_only_the_ten_percent_margin()
    {
        var memory = new PeakWithHeadroom(Defaults);
        for (var i = 0; i < 1000; i++)
        {
            memory.Add(i * 60L, Gi);
        }

        var estimate = memory.Recommend(999 * 60);
        Assert.Equal(1.1 * Gi, estimate.Target, 0);
        Assert.Equal(Gi, estimate.LowerBound, 0);
    }

    [Fact]
    public void Spiky_memory_gets_headroom_as_wide_as_its_swing()
    {
        var memory = new PeakWithHeadroom(Defaults);
        for (var i = 0; i < 1000; i++)
        {
            memory.Add(i * 60L, 100 * Mi);
        }

        memory.Add(1000 * 60L, 300 * Mi);

        // peak 300 Mi x 1.1 = 330 Mi, plus the swing between the peak and the mean (about 200 Mi).
        Assert.InRange(memory.Recommend(1000 * 60).Target, 529.9 * Mi, 530 * Mi);
    }

    [Fact]
    public void Headroom_is_capped_at_512_MiB()
    {
        var memory = new PeakWithHeadroom(Defaults);
        memory.Add(0, 100 * Mi);
        memory.Add(60, 4 * Gi);

        Assert.Equal(4 * Gi * 1.1 + 512 * Mi, memory.Recommend(60).Target, 0);
    }

    [Fact]
    public void The_peak_halves_every_14_days()
    {
        var memory = new PeakWithHeadroom(Defaults);
        memory.Add(0, Gi);

        Assert.Equal(Gi / Math.Sqrt(2), memory.Peak(7 * 86400), 0);
        Assert.Equal(Gi / 2, memory.Peak(14 * 86400), 0);
    }

    [Fact]
    public void An_oom_raises_the_peak_above_the_usage_seen()
    {
        var memory = new PeakWithHeadroom(Defaults);
        memory.Add(0, 500 * Mi);
        memory.AddOom(60, 600 * Mi);

        Assert.Equal(660 * Mi, memory.Peak(60), 0);
    }

    [Theory]
    // One sample in twenty is a 0.5-core burst over a 0.1-core base. p90 sits on the base, p98 and up on the burst.
    [InlineData(33.0, true)] // starving a core-second costs 33 idle ones: cover the bursts
    [InlineData(1.0, false)] // starving costs as much as idling: stay on the base
    public void The_ensemble_picks_the_model_that_would_have_cost_least(double shortfallCost, bool coversBursts)
    {
        var ensemble = new CostEnsemble(Defaults with { ShortfallCost = shortfallCost });
        var recommendation = 0.0;
        for (var i = 0; i < 3000; i++)
        {
            var t = i * 60L;
            if (t % 3600 == 0)
            {
                ensemble.Tick(t);
                recommendation = ensemble.Proposal;
            }

            ensemble.Add(t, i % 20 == 19 ? 0.5 : 0.1);
        }

        var burstBucketEnd = ExponentialBuckets.Cpu.End(ExponentialBuckets.Cpu.Find(0.5));
        var baseBucketEnd = ExponentialBuckets.Cpu.End(ExponentialBuckets.Cpu.Find(0.1));
        Assert.Equal(coversBursts ? burstBucketEnd : baseBucketEnd, recommendation, 9);
    }

    [Fact]
    public void Cpu_rises_at_once_and_falls_only_past_the_band()
    {
        var estimator = new ResorcererStrategy().CreateEstimator();
        var t = 0L;
        double Run(double cores, int hours)
        {
            double target = 0;
            for (var i = 0; i < hours * 60; i++, t += 60)
            {
                if (t % 3600 == 0)
                {
                    estimator.Tick(t);
                    target = estimator.Recommend(t).Cpu?.Target ?? 0;
                }

                estimator.AddCpu(t, cores);
            }

            return target;
        }

        var high = Run(1.0, 48);
        Assert.InRange(high, 1.0, 1.05);
        var slightlyLower = Run(0.9, 24); // 10% lower: inside the band, the request stays
        Assert.Equal(high, slightlyLower);
        var muchLower = Run(0.5, 48); // 50% lower: it follows
        Assert.InRange(muchLower, 0.5, 0.55);
    }

    [Fact]
    public void The_state_round_trips()
    {
        var strategy = new ResorcererStrategy();
        var original = strategy.CreateEstimator();
        for (var i = 0; i < 5000; i++)
        {
            if (i % 60 == 0)
            {
                original.Tick(i * 60L);
            }

            original.AddCpu(i * 60L, 0.2 + i % 13 * 0.01);
            original.AddMemory(i * 60L, 300 * Mi + i % 7 * Mi);
        }

        using var stream = new MemoryStream();
        original.Write(new BinaryWriter(stream));
        stream.Position = 0;
        var copy = strategy.CreateEstimator();
        copy.Read(new StateReader(stream, StateReader.CurrentVersion));

        Assert.True(stream.Length < 1500, $"{stream.Length} bytes");
        Assert.Equal(original.Recommend(5000 * 60), copy.Recommend(5000 * 60));
    }
}
