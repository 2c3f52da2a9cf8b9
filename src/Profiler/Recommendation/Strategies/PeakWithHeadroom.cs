namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// Memory as a held peak plus headroom sized by how far usage swings. The highest usage of each of the last
/// <c>MemoryHoldDays</c> days the container ran is kept at full height, and the highest ever fades with a half-life of
/// <c>MemoryPeakHalfLife</c>. Both count only time the container was seen running (a gap between samples counts for
/// at most <c>MemoryGapAllowance</c>), so a quiet day after a busy one, or days without the pod, never lower the
/// target below a level it has just reached. The headroom is the margin, or the distance between the peak and the
/// (recent) mean where that is wider (capped): flat memory gets the margin, spiky memory room for its swing. An OOM
/// kill counts as a peak above the usage seen when it happened.
/// </summary>
public sealed class PeakWithHeadroom(ResorcererSettings settings)
{
    private const long Day = 86400;

    private readonly double[] _days = new double[settings.MemoryHoldDays];
    private long _today = long.MinValue;
    private double _peak;
    private long _peakTime;
    private double _mean = double.NaN;
    private long _last = long.MinValue;
    private long _running;

    public bool IsEmpty => double.IsNaN(_mean);

    /// <summary>The running clock at <paramref name="now"/>: the first sample's time plus the time seen running since.</summary>
    public long Running(long now) => IsEmpty ? now : _running + Math.Clamp(now - _last, 0, (long)settings.MemoryGapAllowance.TotalSeconds);

    public void Add(long timestamp, double bytes)
    {
        if (IsEmpty)
        {
            _mean = bytes;
            _running = timestamp;
        }
        else if (timestamp > _last)
        {
            var keep = Math.Pow(2, -(timestamp - _last) / settings.MemoryMeanHalfLife.TotalSeconds);
            _mean = bytes + (_mean - bytes) * keep;
            _running = Running(timestamp);
        }

        _last = Math.Max(_last, timestamp);
        var today = Math.DivRem(_running, Day).Quotient;
        if (today > _today)
        {
            // Days that passed unseen hold nothing; at most the whole ring is cleared.
            for (var day = Math.Max(_today + 1, today - _days.Length + 1); day <= today; day++)
            {
                _days[Slot(day)] = 0;
            }

            _today = today;
        }

        _days[Slot(today)] = Math.Max(_days[Slot(today)], bytes);
        if (bytes >= FadingPeak(_running))
        {
            _peak = bytes;
            _peakTime = _running;
        }
    }

    public void AddOom(long timestamp, double bytes) => Add(timestamp, bytes * settings.OomBump);

    /// <summary>The peak at <paramref name="now"/>: the highest of the held days, or an older peak as it has faded by then.</summary>
    public double Peak(long now)
    {
        var held = 0.0;
        foreach (var day in _days)
        {
            held = Math.Max(held, day);
        }

        return Math.Max(held, FadingPeak(Running(now)));
    }

    public Estimate Recommend(long now)
    {
        var peak = Peak(now);
        var spread = Math.Max(peak - _mean, 0); // how far usage swings below its peak: the room a spike may need
        // Headroom: the margin, or the swing (capped) where that is wider; not both, so flat memory is not padded twice.
        var target = Math.Max(peak + Math.Max(peak * (settings.MemoryMargin - 1), Math.Min(settings.MaxMemoryHeadroom, spread)), settings.MinMemoryBytes);
        var upper = Math.Max(peak * 1.25 + Math.Min(2 * settings.MaxMemoryHeadroom, 2 * spread), target);
        return new Estimate(target, Math.Max(peak, settings.MinMemoryBytes), upper);
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(_peak);
        writer.Write(_peakTime);
        writer.Write(_mean);
        writer.Write(_last);
        writer.Write(_running);
        writer.Write(_today);
        writer.Write((byte)_days.Length);
        foreach (var day in _days)
        {
            writer.Write(day);
        }
    }

    public void Read(StateReader reader)
    {
        _peak = reader.ReadDouble();
        _peakTime = reader.ReadInt64();
        _mean = reader.ReadDouble();
        _last = reader.ReadInt64();
        if (reader.Version < 3)
        {
            // Earlier versions kept one peak on the wall clock: the running clock starts from it, with no day held.
            _running = _last;
            _today = long.MinValue;
            Array.Clear(_days);
            return;
        }

        _running = reader.ReadInt64();
        _today = reader.ReadInt64();
        if (reader.ReadByte() != _days.Length)
        {
            throw new InvalidDataException("resorcerer memory state was written with another number of held days");
        }

        for (var i = 0; i < _days.Length; i++)
        {
            _days[i] = reader.ReadDouble();
        }
    }

    private int Slot(long day) => (int)(((day % _days.Length) + _days.Length) % _days.Length);

    /// <summary>The highest peak ever seen, fading on the running clock from when it was seen.</summary>
    private double FadingPeak(long running) =>
        _peak * Math.Pow(2, -Math.Max(0, running - _peakTime) / settings.MemoryPeakHalfLife.TotalSeconds);
}
