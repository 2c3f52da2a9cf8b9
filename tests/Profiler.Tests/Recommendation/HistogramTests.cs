using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Tests.Recommendation;

public class HistogramTests
{
    private static readonly ExponentialBuckets Cpu = ExponentialBuckets.Cpu;

    [Theory]
    // start(i) = 0.01 x (1.05^i - 1) / 0.05
    [InlineData(0, 0.0)]
    [InlineData(1, 0.01)]
    [InlineData(2, 0.0205)]
    [InlineData(3, 0.031525)]
    [InlineData(4, 0.04310125)]
    public void Cpu_buckets_grow_by_five_percent(int bucket, double start) => Assert.Equal(start, Cpu.Start(bucket), 12);

    [Fact]
    public void The_vpa_scheme_has_176_buckets_each() => Assert.Equal((176, 176), (Cpu.Count, ExponentialBuckets.Memory.Count));

    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.005, 0)]
    [InlineData(0.01, 1)]
    [InlineData(0.0204, 1)]
    [InlineData(0.0205, 2)]
    [InlineData(0.5, 25)]
    [InlineData(1e9, 175)] // past the end: the last bucket
    public void Values_find_their_bucket(double value, int bucket) => Assert.Equal(bucket, Cpu.Find(value));

    [Theory]
    [InlineData(0.25, 0.0205)] // bucket 1 holds 1 of 4
    [InlineData(0.50, 0.031525)] // buckets 1-2 hold 3 of 4
    [InlineData(0.75, 0.031525)]
    [InlineData(1.00, 0.04310125)]
    public void Percentiles_answer_the_upper_edge_of_their_bucket(double p, double expected)
    {
        var histogram = new DecayingHistogram(Cpu, Timeout.InfiniteTimeSpan);
        foreach (var value in new[] { 0.015, 0.025, 0.025, 0.035 })
        {
            histogram.Add(value, 1, 0);
        }

        Assert.Equal(expected, histogram.Percentile(p), 12);
    }

    [Theory]
    [InlineData(0.33, 0.0205)] // the old sample weighs 1 of 3
    [InlineData(0.34, 0.04310125)] // the new one, an hour later, weighs 2
    public void A_sample_loses_half_its_weight_each_half_life(double p, double expected)
    {
        var histogram = new DecayingHistogram(Cpu, TimeSpan.FromHours(1));
        histogram.Add(0.015, 1, 0);
        histogram.Add(0.035, 1, 3600);

        Assert.Equal(expected, histogram.Percentile(p), 12);
    }

    [Fact]
    public void Weights_stay_finite_far_in_the_future()
    {
        var histogram = new DecayingHistogram(Cpu, TimeSpan.FromHours(1));
        histogram.Add(0.015, 1, 0);
        histogram.Add(0.035, 1, 3600 * 1000); // 2^1000 would overflow without renormalising

        Assert.True(double.IsFinite(histogram.TotalWeight));
        Assert.Equal(0.04310125, histogram.Percentile(0.01), 12);
    }

    [Fact]
    public void Subtracting_what_was_added_leaves_it_empty()
    {
        var histogram = new DecayingHistogram(ExponentialBuckets.Memory, TimeSpan.FromHours(24));
        histogram.Add(3e8, 1, 1000);
        histogram.Subtract(3e8, 1, 1000);

        Assert.True(histogram.IsEmpty);
        Assert.Equal(0, histogram.Percentile(0.9));
    }

    [Fact]
    public void The_state_round_trips_compactly()
    {
        var histogram = new DecayingHistogram(Cpu, TimeSpan.FromHours(24));
        for (var i = 0; i < 1000; i++)
        {
            histogram.Add(0.1 + i % 7 * 0.05, 1, i * 60);
        }

        using var stream = new MemoryStream();
        histogram.Write(new BinaryWriter(stream));
        var copy = new DecayingHistogram(Cpu, TimeSpan.FromHours(24));
        stream.Position = 0;
        copy.Read(new StateReader(stream, StateReader.CurrentVersion));

        Assert.True(stream.Length < 100, $"{stream.Length} bytes for 7 non-empty buckets");
        foreach (var p in new[] { 0.1, 0.5, 0.9, 0.99 })
        {
            Assert.Equal(histogram.Percentile(p), copy.Percentile(p));
        }
    }

    [Fact]
    public void Corrupt_state_is_refused()
    {
        using var stream = new MemoryStream();
        var writer = new BinaryWriter(stream);
        writer.Write(0L);
        writer.Write((ushort)1);
        writer.Write((ushort)999);
        writer.Write(1f);
        stream.Position = 0;

        Assert.Throws<InvalidDataException>(() => new DecayingHistogram(Cpu, TimeSpan.FromHours(1)).Read(new StateReader(stream, StateReader.CurrentVersion)));
    }
}
