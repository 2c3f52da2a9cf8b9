namespace Resorcerer.Profiler.Recommendation.Strategies;

/// <summary>
/// What CPU each hour of the day (UTC) has needed lately: the highest sample of that hour on each of the last two
/// days it was seen. <see cref="Coming"/> gives the lower of the two, a level that came back rather than a one-off,
/// so that a request can rise before a daily peak or a batch window begins instead of an hour after it.
/// </summary>
public sealed class DailyRhythm
{
    private const long Hour = 3600;

    private readonly float[] _latest = new float[24];
    private readonly float[] _before = new float[24];
    private readonly byte[] _days = new byte[24]; // how many days each hour was seen, up to two
    private long _hour = long.MinValue;
    private float _peak;
    private bool _open;

    public void Add(long timestamp, double cores)
    {
        // Hour H holds the samples after H:00 up to and including (H+1):00: the replay's tick at a whole hour includes
        // the sample at it, so the hour a tick's recommendation serves is the one those samples fall in.
        var hour = Math.DivRem(timestamp - 1, Hour).Quotient;
        if (hour != _hour)
        {
            Close();
            _hour = hour;
        }

        _peak = Math.Max(_peak, (float)cores);
        _open = true;
    }

    /// <summary>At the whole hour <paramref name="hour"/> (Unix seconds), once every sample up to it is in: the hour before is complete.</summary>
    public void Tick(long hour)
    {
        if (_hour < Math.DivRem(hour, Hour).Quotient)
        {
            Close();
        }
    }

    /// <summary>
    /// The level the hour after <paramref name="hour"/> reached on the last two days it was seen (on the one day until
    /// there are two); 0 when it was never seen.
    /// </summary>
    public double Coming(long hour)
    {
        var slot = Slot(Math.DivRem(hour, Hour).Quotient);
        return _days[slot] > 1 ? Math.Min(_latest[slot], _before[slot]) : _latest[slot];
    }

    public void Write(BinaryWriter writer)
    {
        for (var i = 0; i < 24; i++)
        {
            writer.Write(_latest[i]);
            writer.Write(_before[i]);
            writer.Write(_days[i]);
        }

        writer.Write(_hour);
        writer.Write(_peak);
        writer.Write(_open);
    }

    public void Read(StateReader reader)
    {
        for (var i = 0; i < 24; i++)
        {
            _latest[i] = reader.ReadSingle();
            _before[i] = reader.ReadSingle();
            _days[i] = reader.ReadByte() is var days && days <= 2 ? days : throw new InvalidDataException($"resorcerer CPU rhythm state counts {days} days for an hour");
        }

        _hour = reader.ReadInt64();
        _peak = reader.ReadSingle();
        _open = reader.ReadBoolean();
    }

    private static int Slot(long hour) => (int)(((hour % 24) + 24) % 24);

    private void Close()
    {
        if (!_open)
        {
            return;
        }

        var slot = Slot(_hour);
        _before[slot] = _latest[slot];
        _latest[slot] = _peak;
        _days[slot] = (byte)Math.Min(_days[slot] + 1, 2);
        _peak = 0;
        _open = false;
    }
}
