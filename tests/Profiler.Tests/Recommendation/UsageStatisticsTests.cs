using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Recommendation;

namespace Resorcerer.Profiler.Tests.Recommendation;

public class UsageStatisticsTests
{
    [Theory]
    [InlineData(new[] { 5.0 }, 0.5, 5.0)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 0.5, 2.0)]
    [InlineData(new[] { 1.0, 2, 3, 4 }, 0.51, 3.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.9, 9.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.95, 10.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0.0, 1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 1.0, 10.0)]
    public void Percentiles_use_the_nearest_rank(double[] sorted, double p, double expected) =>
        Assert.Equal(expected, UsageStatistics.Percentile(sorted, p));

    [Fact]
    public void A_summary_scales_rounds_up_and_spans_the_samples()
    {
        // 100 samples of 0.001..0.100 cores, one a minute.
        var samples = Enumerable.Range(1, 100).Select(i => new PromSample(1_000_000 + i * 60, i / 1000.0)).ToList();
        var summary = UsageStatistics.Summarise(samples, scale: 1000)!;
        Assert.Equal((50, 90, 95, 99, 100), (summary.P50, summary.P90, summary.P95, summary.P99, summary.Max));
        Assert.Equal(100, summary.Samples);
        Assert.Equal(TimeSpan.FromMinutes(99), summary.History);
    }

    [Fact]
    public void Fractions_of_a_unit_round_up_and_float_noise_does_not()
    {
        var samples = new List<PromSample> { new(0, 0.2500001), new(60, 0.20000000000000004) };
        var summary = UsageStatistics.Summarise(samples, scale: 1000)!;
        Assert.Equal(200, summary.P50);
        Assert.Equal(251, summary.Max);
    }

    [Fact]
    public void No_samples_give_no_summary() => Assert.Null(UsageStatistics.Summarise([], 1));
}
