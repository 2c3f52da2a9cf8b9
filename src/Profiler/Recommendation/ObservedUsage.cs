using Resorcerer.Profiler.Recommendation.Histograms;
using Resorcerer.Profiles;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// What a container was seen to use, kept compactly as samples arrive: a histogram whose samples lose half
/// their weight every <c>window</c> (so percentiles describe roughly the last window), the peak of each of the
/// last window's days, and how many samples over how long.
/// </summary>
public sealed class ObservedUsage
{
    private const long Day = 86400;
    private readonly DecayingHistogram _histogram;
    private readonly double[] _dailyPeaks;
    private readonly long[] _peakDays;

    public ObservedUsage(ExponentialBuckets buckets, TimeSpan window)
    {
        _histogram = new DecayingHistogram(buckets, window);
        var days = (int)Math.Ceiling(window.TotalSeconds / Day) + 1;
        _dailyPeaks = new double[days];
        _peakDays = Enumerable.Repeat(long.MinValue, days).ToArray();
    }

    public long Samples { get; private set; }

    public long First { get; private set; } = long.MaxValue;

    public long Last { get; private set; } = long.MinValue;

    /// <summary>The time between the first and the last sample.</summary>
    public TimeSpan History => Samples == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Last - First);

    public int StoredBytes => _histogram.StoredBytes + _dailyPeaks.Length * (sizeof(double) + sizeof(long));

    public void Add(long timestamp, double value)
    {
        _histogram.Add(value, 1, timestamp);
        var day = timestamp / Day;
        var slot = (int)(day % _dailyPeaks.Length);
        if (_peakDays[slot] != day)
        {
            _peakDays[slot] = day;
            _dailyPeaks[slot] = value;
        }
        else
        {
            _dailyPeaks[slot] = Math.Max(_dailyPeaks[slot], value);
        }

        Samples++;
        First = Math.Min(First, timestamp);
        Last = Math.Max(Last, timestamp);
    }

    /// <summary>
    /// The summary in the profile's integer unit (<paramref name="scale"/> 1000 for millicores, 1 for bytes), or
    /// null before any sample. Percentiles are bucket upper edges, never above the peak.
    /// </summary>
    public UsageSummary? Summary(long now, double scale)
    {
        if (Samples == 0)
        {
            return null;
        }

        var peak = 0.0;
        for (var i = 0; i < _dailyPeaks.Length; i++)
        {
            if (_peakDays[i] > now / Day - _dailyPeaks.Length)
            {
                peak = Math.Max(peak, _dailyPeaks[i]);
            }
        }

        long Scaled(double value) => (long)Math.Ceiling(Math.Max(0, Math.Min(value, peak)) * scale - 1e-9);
        return new UsageSummary(
            Scaled(_histogram.Percentile(0.50)),
            Scaled(_histogram.Percentile(0.90)),
            Scaled(_histogram.Percentile(0.95)),
            Scaled(_histogram.Percentile(0.99)),
            Scaled(peak),
            Samples,
            DateTimeOffset.FromUnixTimeSeconds(First),
            DateTimeOffset.FromUnixTimeSeconds(Last));
    }

    public void Write(BinaryWriter writer)
    {
        _histogram.Write(writer);
        writer.Write(_dailyPeaks.Length);
        for (var i = 0; i < _dailyPeaks.Length; i++)
        {
            writer.Write(_peakDays[i]);
            writer.Write(_dailyPeaks[i]);
        }

        writer.Write(Samples);
        writer.Write(First);
        writer.Write(Last);
    }

    public void Read(StateReader reader)
    {
        _histogram.Read(reader);
        // Version 1 kept the day count in a byte, which a window of 255 days or more overflowed.
        var days = reader.Version == 1 ? reader.ReadByte() : reader.ReadInt32();
        if (days != (reader.Version == 1 ? (byte)_dailyPeaks.Length : _dailyPeaks.Length))
        {
            throw new InvalidDataException($"observed usage was saved with a window of {days} days, not {_dailyPeaks.Length}");
        }

        for (var i = 0; i < _dailyPeaks.Length; i++)
        {
            _peakDays[i] = reader.ReadInt64();
            _dailyPeaks[i] = reader.ReadDouble();
        }

        Samples = reader.ReadInt64();
        First = reader.ReadInt64();
        Last = reader.ReadInt64();
    }
}
