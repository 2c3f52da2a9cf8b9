using System.IO.Compression;
using Resorcerer.Profiler.Traces;

namespace Resorcerer.Profiler.Tests.Traces;

public sealed class UsageTraceReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("traces-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text, bool gzip = false)
    {
        var path = Path.Combine(_directory, name);
        using var file = File.Create(path);
        using Stream stream = gzip ? new GZipStream(file, CompressionLevel.Fastest) : file;
        stream.Write(System.Text.Encoding.UTF8.GetBytes(text));
        return path;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Reads_plain_and_gzip_files_alike(bool gzip)
    {
        var path = Write("t.csv", "timestamp,workload,container,cpu_cores,memory_bytes\n100,a/1,main,0.5,1024\n\n400,a/1,main,1e-3,0\n", gzip);

        var rows = UsageTraceReader.Read(path).ToList();

        Assert.Equal([new TraceRow(100, "a/1", "main", 0.5, 1024), new TraceRow(400, "a/1", "main", 0.001, 0)], rows);
    }

    [Theory]
    [InlineData("", ":1: expected the header")]
    [InlineData("time,cpu\n", ":1: expected the header")]
    [InlineData("timestamp,workload,container,cpu_cores,memory_bytes\n100,a,main,0.5,1\n200,a,main,0.5\n", ":3: expected 5 comma-separated fields, found 4")]
    [InlineData("timestamp,workload,container,cpu_cores,memory_bytes\n1.5e9,a,main,0.5,1\n", ":2: timestamp '1.5e9'")]
    [InlineData("timestamp,workload,container,cpu_cores,memory_bytes\n100,,main,0.5,1\n", ":2: workload and container must not be empty")]
    [InlineData("timestamp,workload,container,cpu_cores,memory_bytes\n100,a,main,-1,1\n", ":2: cpu_cores '-1'")]
    [InlineData("timestamp,workload,container,cpu_cores,memory_bytes\n100,a,main,NaN,1\n", ":2: cpu_cores 'NaN'")]
    [InlineData("timestamp,workload,container,cpu_cores,memory_bytes\n100,a,main,1,12.5\n", ":2: memory_bytes '12.5'")]
    public void Malformed_input_is_refused_with_file_and_line(string text, string expected)
    {
        var path = Write("bad.csv", text);

        var error = Assert.Throws<TraceFormatException>(() => UsageTraceReader.Read(path).ToList());

        Assert.Contains(path + expected, error.Message, StringComparison.Ordinal);
    }
}
