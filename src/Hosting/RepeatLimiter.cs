using System.Collections.Concurrent;

namespace Resorcerer.Hosting;

/// <summary>
/// Keeps a log readable when the same thing goes wrong thousands of times a second (every admission during a Redis
/// outage): for each kind of message, the first in an interval is logged with the number of the same kind held back
/// since the last one; the rest are only counted.
/// </summary>
public sealed class RepeatLimiter(TimeProvider time, TimeSpan interval)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public long NextAt;
        public long HeldBack;
    }

    /// <summary>True when a message of this kind is to be logged now; <paramref name="heldBack"/> says how many were not since the last.</summary>
    public bool ShouldLog(string kind, out long heldBack)
    {
        var entry = _entries.GetOrAdd(kind, _ => new Entry());
        var now = time.GetTimestamp();
        lock (entry)
        {
            if (now >= entry.NextAt)
            {
                heldBack = entry.HeldBack;
                entry.HeldBack = 0;
                entry.NextAt = now + (long)(interval.TotalSeconds * time.TimestampFrequency);
                return true;
            }

            entry.HeldBack++;
            heldBack = 0;
            return false;
        }
    }

    /// <summary>A suffix for the logged line: empty, or how many of the same kind were held back.</summary>
    public static string HeldBackNote(long heldBack) => heldBack > 0 ? $" ({heldBack} more like it were not logged)" : string.Empty;
}
