using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Backtest.Scenarios;

/// <summary>A container's usage at one moment: cores and bytes.</summary>
public readonly record struct Usage(double Cpu, double Memory);

/// <summary>
/// The usage of one series at a time (in days since its start), or null when the pod was not running then.
/// <paramref name="noise"/> draws the sample's own randomness, in time order.
/// </summary>
public delegate Usage? UsageShape(double day, Random noise);

/// <summary>
/// A named, seeded generator of synthetic usage of one shape real workloads have (a daily rhythm, a leak, gaps...).
/// Each variant draws its own levels and timings from the seed, so the series are reproducible on any machine and
/// differ from one another; they are where a strategy is tried on purpose, the recorded traces where it is checked.
/// </summary>
public sealed class UsageScenario(string name, string description, int seed, Func<Random, UsageShape> shape)
{
    /// <summary>Samples every 5 minutes, as the shared traces and most scrape set-ups have them.</summary>
    public const long StepSeconds = 300;

    /// <summary>2026-01-01 00:00 UTC, a Thursday: days start at midnight, weeks have weekends.</summary>
    public const long Start = 1_767_225_600;

    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>The rows of one variant, in time order: workload <c>scenario/NAME/VARIANT</c>, container <c>main</c>.</summary>
    public IEnumerable<TraceRow> Rows(int variant, int days = 28)
    {
        var random = new Random(unchecked(seed * 7919 + variant));
        var usage = shape(random);
        var workload = $"scenario/{Name}/{variant}";
        var steps = days * 86400 / StepSeconds;
        for (var i = 0; i < steps; i++)
        {
            if (usage(i * StepSeconds / 86400.0, random) is { } u)
            {
                yield return new TraceRow(Start + i * StepSeconds, workload, "main", Math.Max(u.Cpu, 0), (long)Math.Max(u.Memory, 1));
            }
        }
    }
}
