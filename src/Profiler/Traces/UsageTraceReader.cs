using System.Globalization;
using System.IO.Compression;

namespace Resorcerer.Profiler.Traces;

/// <summary>One row of a usage trace: a container's CPU (cores) and memory (bytes) at a time (Unix seconds).</summary>
public readonly record struct TraceRow(long Timestamp, string Workload, string Container, double CpuCores, long MemoryBytes);

/// <summary>A trace file that does not follow the format; the message names the file and line.</summary>
public sealed class TraceFormatException(string message) : Exception(message);

/// <summary>
/// Reads usage traces in the common CSV format <c>timestamp,workload,container,cpu_cores,memory_bytes</c>,
/// plain or gzip-compressed (recognised by content, not by name), one row at a time.
/// </summary>
public static class UsageTraceReader
{
    public const string Header = "timestamp,workload,container,cpu_cores,memory_bytes";

    /// <summary>The rows of the file; <paramref name="progress"/> hears (bytes read, file size) now and then.</summary>
    public static IEnumerable<TraceRow> Read(string path, Action<long, long>? progress = null) =>
        ReadWithLines(path, progress).Select(entry => entry.Row);

    /// <summary>The rows with their line numbers, for messages about them.</summary>
    public static IEnumerable<(TraceRow Row, int Line)> ReadWithLines(string path, Action<long, long>? progress = null)
    {
        using var file = File.OpenRead(path);
        using var reader = new StreamReader(IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : file);
        var header = reader.ReadLine();
        if (header?.Trim() != Header)
        {
            throw new TraceFormatException($"{path}:1: expected the header '{Header}', found '{Shorten(header)}'");
        }

        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (progress is not null && lineNumber % 65536 == 0)
            {
                progress(file.Position, file.Length);
            }

            yield return (Parse(line, path, lineNumber), lineNumber);
        }
    }

    private static TraceRow Parse(string line, string path, int lineNumber)
    {
        var fields = line.Split(',');
        if (fields.Length != 5)
        {
            throw new TraceFormatException($"{path}:{lineNumber}: expected 5 comma-separated fields, found {fields.Length}: '{Shorten(line)}'");
        }

        if (!long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp))
        {
            throw new TraceFormatException($"{path}:{lineNumber}: timestamp '{Shorten(fields[0])}' is not whole Unix seconds");
        }

        if (fields[1].Length == 0 || fields[2].Length == 0)
        {
            throw new TraceFormatException($"{path}:{lineNumber}: workload and container must not be empty");
        }

        if (!double.TryParse(fields[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var cpu) || !double.IsFinite(cpu) || cpu < 0)
        {
            throw new TraceFormatException($"{path}:{lineNumber}: cpu_cores '{Shorten(fields[3])}' is not a non-negative number");
        }

        if (!long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out var memory))
        {
            throw new TraceFormatException($"{path}:{lineNumber}: memory_bytes '{Shorten(fields[4])}' is not a non-negative whole number");
        }

        return new TraceRow(timestamp, fields[1], fields[2], cpu, memory);
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        var read = file.Read(magic);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static string Shorten(string? text) => text is null ? "(empty file)" : text.Length > 80 ? text[..80] + "..." : text;
}
