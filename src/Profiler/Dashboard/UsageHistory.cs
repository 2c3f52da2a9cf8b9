using Resorcerer.Profiler.Model;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>One hour of one container's usage, pooled over all of its workload's pods: median, 95th percentile, maximum.</summary>
public sealed record HourlyUsage(DateTimeOffset Hour, double P50, double P95, double Max, int Samples);

/// <summary>Usage samples folded into hours, as the dashboard plots them.</summary>
public static class UsageHistory
{
    /// <summary>
    /// Per container name, the hours that have samples, oldest first. Every sample of every pod of the container
    /// in the hour counts once; percentiles are nearest-rank (the smallest sample at or above that share of them).
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<HourlyUsage>> Hourly(IEnumerable<ContainerUsage> usage)
    {
        var byContainer = new Dictionary<string, SortedDictionary<long, List<double>>>(StringComparer.Ordinal);
        foreach (var series in usage)
        {
            if (!byContainer.TryGetValue(series.Container.Container, out var hours))
            {
                byContainer[series.Container.Container] = hours = [];
            }

            foreach (var sample in series.Samples)
            {
                if (double.IsFinite(sample.Value))
                {
                    var hour = Math.DivRem(sample.Timestamp, 3600, out var rest) - (rest < 0 ? 1 : 0);
                    if (!hours.TryGetValue(hour, out var values))
                    {
                        hours[hour] = values = [];
                    }

                    values.Add(sample.Value);
                }
            }
        }

        return byContainer.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<HourlyUsage>)[.. pair.Value.Select(hour => Fold(hour.Key, hour.Value))],
            StringComparer.Ordinal);
    }

    /// <summary>How many of the hours peaked above a level (their maximum above it); none for no level.</summary>
    public static int HoursAbove(IReadOnlyList<HourlyUsage> hours, double? level) =>
        level is { } value ? hours.Count(h => h.Max > value) : 0;

    private static HourlyUsage Fold(long hour, List<double> values)
    {
        values.Sort();
        return new HourlyUsage(DateTimeOffset.FromUnixTimeSeconds(hour * 3600), Rank(values, 0.50), Rank(values, 0.95), values[^1], values.Count);
    }

    private static double Rank(List<double> sorted, double share) => sorted[Math.Max(0, (int)Math.Ceiling(share * sorted.Count) - 1)];
}
