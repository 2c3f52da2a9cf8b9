namespace Resorcerer.Profiler.Backtest.Scenarios;

/// <summary>
/// The shapes of usage a right-sizer meets, one seeded generator each. Levels are drawn per variant (CPU from a
/// tenth of a core to a few cores, memory from a few hundred MiB to a few GiB), so no constant fits one series.
/// </summary>
public static class ScenarioLibrary
{
    private const double MiB = 1024.0 * 1024;

    public static IReadOnlyList<UsageScenario> All { get; } =
    [
        new("flat", "steady CPU and memory with a little noise", 1, r =>
        {
            var (cpu, memory) = Levels(r);
            return (_, n) => new Usage(cpu * Noise(n, 0.05), memory * Noise(n, 0.01));
        }),

        new("daily", "a day-time rhythm: CPU 5x and memory 1.4x higher at noon than at night", 2, r =>
        {
            var (cpu, memory) = Levels(r);
            return (day, n) => new Usage(cpu * (0.2 + 0.8 * Daylight(day)) * Noise(n, 0.1), memory * (0.7 + 0.3 * Daylight(day)) * Noise(n, 0.01));
        }),

        new("weekly", "busy working days with a daily rhythm, quiet weekends", 3, r =>
        {
            var (cpu, memory) = Levels(r);
            return (day, n) =>
            {
                var weekend = (int)Math.Floor(day + 3) % 7 >= 5; // day 0 is a Thursday
                var load = weekend ? 0.15 : 0.2 + 0.8 * Daylight(day);
                return new Usage(cpu * load * Noise(n, 0.1), memory * (weekend ? 0.75 : 0.8 + 0.2 * Daylight(day)) * Noise(n, 0.01));
            };
        }),

        new("recurring-peaks", "an hour-long peak (CPU 3-5x, memory 1.4x) every 1 to 7 days at the same time of day", 4, r =>
        {
            var (cpu, memory) = Levels(r);
            var period = r.Next(1, 8);
            var at = Between(r, 0, 23) / 24;
            var height = Between(r, 3, 5);
            return (day, n) =>
            {
                var peak = Math.Floor(day) % period == 0 && day % 1 >= at && day % 1 < at + 1.0 / 24;
                return new Usage(cpu * (peak ? height : 1) * Noise(n, 0.1), memory * (peak ? 1.4 : 1) * Noise(n, 0.01));
            };
        }),

        new("step-up", "a lasting rise of CPU 2.5x and memory 1.8x after 8 to 16 days (more users, a new release)", 5, r =>
        {
            var (cpu, memory) = Levels(r);
            var at = Between(r, 8, 16);
            return (day, n) => day < at
                ? new Usage(cpu * Noise(n, 0.08), memory * Noise(n, 0.01))
                : new Usage(2.5 * cpu * Noise(n, 0.08), 1.8 * memory * Noise(n, 0.01));
        }),

        new("step-down", "a lasting fall of CPU to 30% and memory to half after 8 to 16 days", 6, r =>
        {
            var (cpu, memory) = Levels(r);
            var at = Between(r, 8, 16);
            return (day, n) => day < at
                ? new Usage(cpu * Noise(n, 0.08), memory * Noise(n, 0.01))
                : new Usage(0.3 * cpu * Noise(n, 0.08), 0.5 * memory * Noise(n, 0.01));
        }),

        new("leak", "memory that grows 3-8% a day until the pod restarts, every 4 to 8 days", 7, r =>
        {
            var (cpu, memory) = Levels(r);
            var growth = Between(r, 0.03, 0.08);
            var every = Between(r, 4, 8);
            return (day, n) => new Usage(cpu * Noise(n, 0.1), memory * (1 + growth * (day % every)) * Noise(n, 0.005));
        }),

        new("gaps", "runs for 2 to 4 days, then not at all for 1 to 5; daily peaks move 10-15% from day to day", 8, r =>
        {
            var (cpu, memory) = Levels(r);
            var running = new List<(double From, double To)>();
            for (var day = 0.0; day < 400;)
            {
                var length = Between(r, 2, 4);
                running.Add((day, day + length));
                day += length + Between(r, 1, 5);
            }

            var cpuDay = Enumerable.Range(0, 400).Select(_ => Between(r, 0.6, 1.0)).ToArray();
            var memoryDay = Enumerable.Range(0, 400).Select(_ => Between(r, 0.87, 1.0)).ToArray();
            return (day, n) =>
            {
                if (!running.Exists(x => day >= x.From && day < x.To))
                {
                    return null;
                }

                var d = (int)day;
                return new Usage(cpu * cpuDay[d] * (0.3 + 0.7 * Daylight(day)) * Noise(n, 0.15), memory * memoryDay[d] * (0.85 + 0.15 * Daylight(day)) * Noise(n, 0.01));
            };
        }),

        new("startup-spike", "restarts every 2 to 5 days; each start burns CPU 4x for 20 minutes while memory fills over an hour", 9, r =>
        {
            var (cpu, memory) = Levels(r);
            var every = Between(r, 2, 5);
            return (day, n) =>
            {
                var sinceStart = day % every * 24 * 60; // minutes
                var warming = sinceStart < 20 ? 4 : 1;
                var filled = Math.Min(1, 0.5 + sinceStart / 120);
                return new Usage(cpu * warming * Noise(n, 0.1), memory * filled * Noise(n, 0.01));
            };
        }),

        new("rare-bursts", "about two bursts a week of 10 to 20 minutes at random times: CPU 4-8x, memory 1.15x", 10, r =>
        {
            var (cpu, memory) = Levels(r);
            var bursts = new List<(double From, double To, double Height)>();
            for (var day = Between(r, 0, 3.5); day < 400; day += Between(r, 0.5, 6.5))
            {
                bursts.Add((day, day + Between(r, 10, 20) / 1440, Between(r, 4, 8)));
            }

            return (day, n) =>
            {
                var burst = bursts.Find(b => day >= b.From && day < b.To);
                var height = burst.Height > 0 ? burst.Height : 1;
                return new Usage(cpu * height * Noise(n, 0.1), memory * (burst.Height > 0 ? 1.15 : 1) * Noise(n, 0.01));
            };
        }),

        new("batch", "a job that works 4 to 8 hours a day from a fixed hour and idles otherwise", 11, r =>
        {
            var (cpu, memory) = Levels(r);
            var from = Between(r, 0, 16) / 24;
            var length = Between(r, 4, 8) / 24;
            return (day, n) =>
            {
                var working = day % 1 >= from && day % 1 < from + length;
                return working
                    ? new Usage(cpu * Noise(n, 0.1), memory * Noise(n, 0.02))
                    : new Usage(0.02 * cpu * Noise(n, 0.2), 0.3 * memory * Noise(n, 0.02));
            };
        }),

        new("gc-sawtooth", "memory climbing from 60% to its top over 20 to 60 minutes, then collected; CPU doubles at each collection", 12, r =>
        {
            var (cpu, memory) = Levels(r);
            var cycle = Between(r, 20, 60) / 1440;
            return (day, n) =>
            {
                var phase = day % cycle / cycle;
                return new Usage(cpu * (phase < 0.1 ? 2 : 1) * Noise(n, 0.1), memory * (0.6 + 0.4 * phase) * Noise(n, 0.005));
            };
        }),

        new("noisy-small", "a small side container: a few millicores that jump tenfold, some tens of MiB", 13, r =>
        {
            var cpu = Between(r, 0.005, 0.03);
            var memory = Between(r, 20, 80) * MiB;
            return (_, n) => new Usage(cpu * Math.Exp(0.8 * Normal(n)), memory * Math.Max(0.5, Noise(n, 0.1)));
        }),
    ];

    public static string Names => string.Join(", ", All.Select(s => s.Name));

    public static UsageScenario? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A series' base levels: 0.1 to 3 cores and 256 MiB to 4 GiB, evenly on a log scale.</summary>
    private static (double Cpu, double Memory) Levels(Random r) =>
        (0.1 * Math.Pow(30, r.NextDouble()), 256 * MiB * Math.Pow(16, r.NextDouble()));

    /// <summary>0 at midnight, 1 at noon.</summary>
    private static double Daylight(double day) => 0.5 - 0.5 * Math.Cos(2 * Math.PI * day);

    private static double Between(Random r, double low, double high) => low + (high - low) * r.NextDouble();

    /// <summary>A factor around 1 with the given relative standard deviation.</summary>
    private static double Noise(Random r, double deviation) => Math.Max(0, 1 + deviation * Normal(r));

    /// <summary>A standard normal draw (Box-Muller).</summary>
    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
