using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiles;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>Observed percentiles of a set of usage samples (nearest-rank, exact).</summary>
public static class UsageStatistics
{
    /// <summary>
    /// Summarises samples given in their natural unit (cores, bytes), scaled by <paramref name="scale"/>
    /// to the profile's integer unit (1000 for millicores, 1 for bytes) and rounded up.
    /// Returns null for no samples.
    /// </summary>
    public static UsageSummary? Summarise(IReadOnlyCollection<PromSample> samples, double scale)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var values = new double[samples.Count];
        long first = long.MaxValue, last = long.MinValue;
        var i = 0;
        foreach (var sample in samples)
        {
            values[i++] = sample.Value;
            first = Math.Min(first, sample.Timestamp);
            last = Math.Max(last, sample.Timestamp);
        }

        Array.Sort(values);
        return new UsageSummary(
            P50: Scaled(Percentile(values, 0.50), scale),
            P90: Scaled(Percentile(values, 0.90), scale),
            P95: Scaled(Percentile(values, 0.95), scale),
            P99: Scaled(Percentile(values, 0.99), scale),
            Max: Scaled(values[^1], scale),
            Samples: values.Length,
            FirstSample: DateTimeOffset.FromUnixTimeSeconds(first),
            LastSample: DateTimeOffset.FromUnixTimeSeconds(last));
    }

    /// <summary>Nearest-rank percentile of sorted values: the smallest value with at least p of the samples at or below it.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        var rank = (int)Math.Ceiling(p * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static long Scaled(double value, double scale) => (long)Math.Ceiling(Math.Max(0, value) * scale - 1e-9);
}
