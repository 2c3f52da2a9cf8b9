using Resorcerer.Profiler.Model;
using Resorcerer.Usage;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// What usage is learned from, the same for the profiler and the backtest. A reading that is not a number, is
/// negative, or is more than the largest node has (no container can use that) is dropped and counted by reason,
/// never clamped; a memory reading of zero is a missing one. And a single reading must not move a peak: memory
/// counts for at most the reading one step before it of the same container, so that a level is learned once two
/// readings in a row reach it (an OOM kill, which carries the memory in use, counts at once).
/// </summary>
public static class UsageSanity
{
    public const string NotANumber = "not_a_number", Negative = "negative", AboveNodeCapacity = "above_node_capacity", ZeroMemory = "zero_memory";

    /// <summary>Why a reading cannot be learned from, or null when it can.</summary>
    public static string? Rejection(UsageKind kind, double value, NodeBounds bounds) => value switch
    {
        _ when !double.IsFinite(value) => NotANumber,
        < 0 => Negative,
        0 when kind != UsageKind.Cpu => ZeroMemory,
        _ when value > (kind == UsageKind.Cpu ? bounds.MaxCpuCores : bounds.MaxMemoryBytes) => AboveNodeCapacity,
        _ => null,
    };

    /// <summary>The readings of one series that can be learned from (the list itself when all can), counting the others by reason.</summary>
    public static IReadOnlyList<Sample> Clean(IReadOnlyList<Sample> samples, UsageKind kind, NodeBounds bounds, IDictionary<string, long> rejected)
    {
        var first = -1;
        for (var i = 0; i < samples.Count && first < 0; i++)
        {
            first = Rejection(kind, samples[i].Value, bounds) is null ? -1 : i;
        }

        if (first < 0)
        {
            return samples;
        }

        var kept = new List<Sample>(samples.Count);
        for (var i = 0; i < samples.Count; i++)
        {
            if (Rejection(kind, samples[i].Value, bounds) is { } reason)
            {
                rejected[reason] = rejected.TryGetValue(reason, out var count) ? count + 1 : 1;
            }
            else
            {
                kept.Add(samples[i]);
            }
        }

        return kept;
    }

    /// <summary>
    /// Memory readings as a peak may count them: each at most the reading one <paramref name="step"/> before it. A
    /// reading with none there (the series' first, or one after a gap) counts as it is. Readings before
    /// <paramref name="from"/> (read only to be the one before the first) are left out. Whatever chunks the readings
    /// come in, the same readings give the same values.
    /// </summary>
    public static IReadOnlyList<Sample> Confirmed(IReadOnlyList<Sample> memory, long from, long step)
    {
        var confirmed = new List<Sample>(memory.Count);
        for (var i = 0; i < memory.Count; i++)
        {
            if (memory[i].Timestamp >= from)
            {
                var before = i > 0 && memory[i - 1].Timestamp == memory[i].Timestamp - step ? memory[i - 1].Value : (double?)null;
                confirmed.Add(memory[i] with { Value = Confirmed(memory[i].Value, before) });
            }
        }

        return confirmed;
    }

    /// <summary>A memory reading as a peak may count it, given the one before it (null for a series' first).</summary>
    public static double Confirmed(double reading, double? before) => before is { } previous ? Math.Min(reading, JumpFactor * previous) : reading;

    /// <summary>A memory reading counts for at most this many times the reading one step before it.</summary>
    public const double JumpFactor = 10;
}
