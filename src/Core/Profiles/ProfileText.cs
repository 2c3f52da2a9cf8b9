using System.Text;
using Resorcerer.Quantities;

namespace Resorcerer.Profiles;

/// <summary>Profiles as a plain-text table for terminals and logs.</summary>
public static class ProfileText
{
    private static readonly string[] Header = ["WORKLOAD", "CONTAINER", "CPU", "CPU p50/p95/max", "MEMORY", "MEMORY p50/p95/max", "HISTORY"];

    public static string Table(IEnumerable<WorkloadProfile> profiles)
    {
        var rows = new List<string[]> { Header };
        foreach (var profile in profiles)
        {
            foreach (var (name, container) in profile.Containers)
            {
                rows.Add(
                [
                    profile.Workload.ToString(),
                    name,
                    container.Cpu is { } cpu ? Quantity.FormatMillicores(cpu.Target) : "-",
                    container.Cpu is { } c
                        ? $"{Quantity.FormatMillicores(c.Observed.P50)}/{Quantity.FormatMillicores(c.Observed.P95)}/{Quantity.FormatMillicores(c.Observed.Max)}"
                        : "-",
                    container.Memory is { } memory ? Quantity.FormatBytes(memory.Target) : "-",
                    container.Memory is { } m ? $"{Mebibytes(m.Observed.P50)}/{Mebibytes(m.Observed.P95)}/{Mebibytes(m.Observed.Max)}" : "-",
                    Hours((container.Cpu ?? container.Memory)!.Observed.History),
                ]);
            }
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }

        return text.ToString();
    }

    private static string Mebibytes(long bytes) => $"{bytes / (1024.0 * 1024):0}Mi";

    private static string Hours(TimeSpan span) => span.TotalHours >= 48 ? $"{span.TotalDays:0.0}d" : $"{span.TotalHours:0.0}h";
}
