using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Recommendation.Histograms;
using Resorcerer.Profiler.Recommendation.Strategies;

namespace Resorcerer.Profiler.Tests.Recommendation.Strategies;

public class ResorcererStrategyTests
{
    private const double Mi = 1024 * 1024, Gi = 1024 * Mi;
    private static readonly ResorcererSettings Defaults = new();

    [Fact]
    public void Flat_memory_gets_only_the_fifteen_percent_margin()
    {
        var memory = new PeakWithHeadroom(Defaults);
        for (var i = 0; i < 1000; i++)
        {
            memory.Add(i * 60L, Gi);
        }

        var estimate = memory.Recommend(999 * 60);
        Assert.Equal(1.15 * Gi, estimate.Target, 0);
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

        // The swing between the peak and the mean (100 Mi moved 1/4320 of the way up: 199.95 Mi) is wider than 15% of the
        // peak (45 Mi): 300 Mi + 199.95 Mi.
        Assert.InRange(memory.Recommend(1000 * 60).Target, 499.9 * Mi, 500 * Mi);
    }

    [Theory]
    // A swing of nearly 2 GiB over a 2 GiB peak: capped at 512 MiB, wider than 15% (307 MiB).
    [InlineData(2.0, 2 * 1024 + 512)]
    // Over an 8 GiB peak, 15% (1,228.8 MiB) is wider than the capped swing.
    [InlineData(8.0, 8 * 1024 * 1.15)]
    public void Swing_headroom_is_capped_at_512_MiB(double peakGi, double targetMi)
    {
        var memory = new PeakWithHeadroom(Defaults);
        memory.Add(0, 100 * Mi);
        memory.Add(60, peakGi * Gi);

        Assert.Equal(targetMi * Mi, memory.Recommend(60).Target, 0);
    }

    [Theory]
    // Day 0 peaks at 1 GiB; a quarter of it follows, a sample every 10 minutes.
    [InlineData(2.0, true)] // within the three days held: full height (fading alone would give 0.906)
    [InlineData(7.0, false)] // past them: the fading peak, at a 14-day half-life (1/sqrt(2))
    [InlineData(14.0, false)] // half
    public void A_peak_is_held_for_three_running_days_then_fades(double days, bool held)
    {
        var memory = new PeakWithHeadroom(Defaults);
        memory.Add(0, Gi);
        for (var t = 600L; t <= days * 86400; t += 600)
        {
            memory.Add(t, Gi / 4);
        }

        Assert.Equal(held ? Gi : Gi * Math.Pow(2, -days / 14), memory.Peak((long)(days * 86400)), 0);
    }

    [Fact]
    public void Days_without_samples_do_not_age_the_peak()
    {
        var memory = new PeakWithHeadroom(Defaults);
        memory.Add(0, Gi);
        memory.Add(86400, Gi / 4); // away for a day, then for 19 more: each gap counts for one hour
        memory.Add(20 * 86400, Gi / 4);

        // Two hours of running time: the peak is still a held day's, and the swing to the mean (now near Gi / 4) is capped.
        Assert.Equal(2 * 3600, memory.Running(20 * 86400));
        Assert.Equal(Gi, memory.Peak(20 * 86400), 0);
        Assert.Equal(Gi + 512 * Mi, memory.Recommend(20 * 86400).Target, 0);
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

        var high = Run(1.0, 48); // with the 15% margin
        Assert.InRange(high, 1.15, 1.21);
        var slightlyLower = Run(0.9, 24); // 10% lower: inside the band, the request stays
        Assert.Equal(high, slightlyLower);
        var muchLower = Run(0.5, 48); // 50% lower: it follows
        Assert.InRange(muchLower, 0.575, 0.633);
    }

    [Theory]
    // A batch hour (10:00-11:00 at 1 core over a 0.1-core day): on the second day (from the first) and on the third (from
    // both) the request is the batch level with the margin from 10:00, an hour that a request learned from the hours
    // gone by alone meets late.
    [InlineData(1.0, true)]
    // A rise of 5 millicores is noise, not a rhythm: nothing is raised ahead of it.
    [InlineData(0.105, false)]
    public void Cpu_rises_ahead_of_an_hour_that_needed_more_on_the_last_days(double batch, bool raised)
    {
        var withRhythm = Targets(new ResorcererStrategy());
        var without = Targets(new ResorcererStrategy(new ResorcererSettings { FollowRhythm = false }));

        long[] tenOClock = raised ? [86400 + 10 * 3600, 2 * 86400 + 10 * 3600] : [];
        foreach (var hour in tenOClock)
        {
            Assert.True(withRhythm[hour] >= 1.0 * 1.15, $"{withRhythm[hour]} at {hour}");
            Assert.True(without[hour] < 0.5, $"{without[hour]} at {hour} without the rhythm");
        }

        // Every other hour is what the request learned from the hours gone by: the rise lasts its hour only.
        Assert.Equal(without.Where(p => !tenOClock.Contains(p.Key)), withRhythm.Where(p => !tenOClock.Contains(p.Key)));

        Dictionary<long, double> Targets(ResorcererStrategy strategy)
        {
            var estimator = strategy.CreateEstimator();
            var targets = new Dictionary<long, double>();
            for (var t = 0L; t < 3 * 86400; t += 300)
            {
                if (t % 3600 == 0)
                {
                    estimator.Tick(t);
                    targets[t] = estimator.Recommend(t).Cpu?.Target ?? 0;
                }

                estimator.AddCpu(t, t % 86400 is > 10 * 3600 and <= 11 * 3600 ? batch : 0.1);
            }

            return targets;
        }
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
