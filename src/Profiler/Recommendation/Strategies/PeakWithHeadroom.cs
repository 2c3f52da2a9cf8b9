namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// Memory as a slowly forgotten peak plus headroom sized by how far usage swings. The peak rises with the
/// first sample above it and decays with a half-life of <c>MemoryPeakHalfLife</c>; the headroom is a margin
/// on the peak plus the distance between the peak and the (recent) mean, capped. Flat memory gets a thin
/// margin, spiky memory a wide one, and small containers, where headroom is cheap, proportionally more.
/// An OOM kill counts as a peak above the usage seen when it happened.
/// </summary>
public sealed class PeakWithHeadroom(ResorcererSettings settings)
{
    private double _peak;
    private long _peakTime;
    private double _mean = double.NaN;
    private long _last = long.MinValue;

    public bool IsEmpty => double.IsNaN(_mean);

    public void Add(long timestamp, double bytes)
    {
        if (IsEmpty)
        {
            _mean = bytes;
        }
        else if (timestamp > _last)
        {
            var keep = Math.Pow(2, -(timestamp - _last) / settings.MemoryMeanHalfLife.TotalSeconds);
            _mean = bytes + (_mean - bytes) * keep;
        }

        _last = Math.Max(_last, timestamp);
        if (bytes >= Peak(timestamp))
        {
            _peak = bytes;
            _peakTime = timestamp;
        }
    }

    public void AddOom(long timestamp, double bytes) => Add(timestamp, bytes * settings.OomBump);

    /// <summary>The peak as decayed to <paramref name="now"/>.</summary>
    public double Peak(long now) =>
        _peak * Math.Pow(2, -Math.Max(0, now - _peakTime) / settings.MemoryPeakHalfLife.TotalSeconds);

    /// <summary>How far usage swings below its peak: the headroom a spike may need.</summary>
    public double Spread(long now) => Math.Max(Peak(now) - _mean, 0);

    public Estimate Recommend(long now)
    {
        var peak = Peak(now);
        var spread = Spread(now);
        var target = Math.Max(peak * settings.MemoryMargin + Math.Min(settings.MaxMemoryHeadroom, spread), settings.MinMemoryBytes);
        var upper = Math.Max(peak * 1.25 + Math.Min(2 * settings.MaxMemoryHeadroom, 2 * spread), target);
        return new Estimate(target, Math.Max(peak, settings.MinMemoryBytes), upper);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_peak);
        writer.Write(_peakTime);
        writer.Write(_mean);
        writer.Write(_last);
    }

    public void Read(StateReader reader)
    {
        _peak = reader.ReadDouble();
        _peakTime = reader.ReadInt64();
        _mean = reader.ReadDouble();
        _last = reader.ReadInt64();
    }
}
