using System.Globalization;
using Resorcerer.Profiler.Backtest;

namespace Resorcerer.Profiler.Traces;

/// <summary>Reads <c>*.provisioned.csv</c>: <c>workload,container,cpu_cores,memory_bytes</c>, the owner's static sizes.</summary>
public static class ProvisionedReader
{
    public const string Header = "workload,container,cpu_cores,memory_bytes";

    public static Dictionary<(string Workload, string Container), Provisioned> Read(string path)
    {
        var result = new Dictionary<(string, string), Provisioned>();
        using var reader = new StreamReader(path);
        var header = reader.ReadLine();
        if (header?.Trim() != Header)
        {
            throw new TraceFormatException($"{path}:1: expected the header '{Header}', found '{header ?? "(empty file)"}'");
        }

        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != 4
                || !double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var cpu) || !(cpu >= 0)
                || !double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var memory) || !(memory >= 0))
            {
                throw new TraceFormatException($"{path}:{lineNumber}: expected workload,container,cpu_cores,memory_bytes with non-negative numbers, found '{line}'");
            }

            result[(fields[0], fields[1])] = new Provisioned(cpu, memory);
        }

        return result;
    }
}
