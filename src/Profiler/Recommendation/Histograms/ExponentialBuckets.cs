namespace Resorcerer.Profiler.Recommendation.Histograms;

/// <summary>
/// Bucket boundaries that grow geometrically: bucket 0 is [0, first), and each next bucket is
/// <see cref="Ratio"/> times wider than the previous one, up to <see cref="MaxValue"/>. The VPA uses
/// first = 0.01 core and 1e7 bytes, ratio 1.05, which gives about 176 buckets each for CPU and memory.
/// </summary>
public sealed class ExponentialBuckets
{
    private readonly double[] _starts;
    private readonly double _logRatio;

    public ExponentialBuckets(double firstBucketSize, double ratio, double maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(firstBucketSize);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratio, 1.0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxValue, firstBucketSize);
        FirstBucketSize = firstBucketSize;
        Ratio = ratio;
        MaxValue = maxValue;
        _logRatio = Math.Log(ratio);
        Count = (int)Math.Ceiling(Math.Log(maxValue * (ratio - 1) / firstBucketSize + 1) / _logRatio) + 1;
        _starts = new double[Count + 1];
        for (var i = 0; i <= Count; i++)
        {
            _starts[i] = firstBucketSize * (Math.Pow(ratio, i) - 1) / (ratio - 1);
        }
    }

    /// <summary>The VPA's CPU buckets, in cores.</summary>
    public static ExponentialBuckets Cpu { get; } = new(0.01, 1.05, 1000);

    /// <summary>The VPA's memory buckets, in bytes.</summary>
    public static ExponentialBuckets Memory { get; } = new(1e7, 1.05, 1e12);

    public double FirstBucketSize { get; }

    public double Ratio { get; }

    public double MaxValue { get; }

    public int Count { get; }

    /// <summary>The bucket holding the value; values past the last bucket land in it.</summary>
    public int Find(double value)
    {
        if (value < FirstBucketSize)
        {
            return 0;
        }

        var index = (int)Math.Floor(Math.Log(value * (Ratio - 1) / FirstBucketSize + 1) / _logRatio);
        // Floating point may put a value that sits on a boundary one bucket off: settle it against the table.
        if (index < Count && value < _starts[index])
        {
            index--;
        }
        else if (index + 1 < Count && value >= _starts[index + 1])
        {
            index++;
        }

        return Math.Clamp(index, 0, Count - 1);
    }

    public double Start(int bucket) => _starts[bucket];

    /// <summary>The upper edge of the bucket (the start of the next).</summary>
    public double End(int bucket) => _starts[bucket + 1];
}
