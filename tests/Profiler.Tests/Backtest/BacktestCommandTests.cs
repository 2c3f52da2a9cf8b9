using System.IO.Compression;
using System.Text.Json.Nodes;
using Resorcerer.Profiler.Backtest;

namespace Resorcerer.Profiler.Tests.Backtest;

public sealed class BacktestCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("backtest-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Three days of a container whose CPU and memory breathe over the day, gzip-compressed like the shared traces.</summary>
    private string Trace(string name = "trace.csv.gz", string? extraLine = null)
    {
        var path = Path.Combine(_directory, name);
        using (var writer = new StreamWriter(new GZipStream(File.Create(path), CompressionLevel.Fastest)))
        {
            writer.WriteLine("timestamp,workload,container,cpu_cores,memory_bytes");
            foreach (var workload in new[] { "app/1", "app/2" })
            {
                for (var i = 0; i < 3 * 288; i++)
                {
                    var daily = Math.Sin(i * 2 * Math.PI / 288);
                    writer.WriteLine($"{1_700_000_000 + i * 300},{workload},main,{0.5 + 0.3 * daily:0.000},{(long)(800e6 + 200e6 * daily)}");
                }
            }

            if (extraLine is not null)
            {
                writer.WriteLine(extraLine);
            }
        }

        return path;
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = BacktestCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Json_has_one_object_per_strategy_with_exactly_the_documented_fields()
    {
        var provisioned = Path.Combine(_directory, "p.csv");
        File.WriteAllText(provisioned, "workload,container,cpu_cores,memory_bytes\napp/1,main,2,2000000000\napp/2,main,2,2000000000\n");

        var (code, output, error) = Run("--trace", Trace(), "--format", "json", "--provisioned", provisioned);

        Assert.True(code == 0, error);
        var results = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["resorcerer", "vpa", "krr", "provisioned"], results.Select(r => r!["strategy"]!.GetValue<string>()));
        foreach (var result in results)
        {
            Assert.Equal(
                ["strategy", "series", "scoredSamples", "cpuSlack", "memorySlack", "cpuShortfall", "cpuShortfallSamples", "oomEvents", "oomSeries", "changes"],
                result!.AsObject().Select(p => p.Key));
            Assert.Equal(2, result["series"]!.GetValue<long>());
            Assert.Equal(2 * 2 * 288, result["scoredSamples"]!.GetValue<long>()); // days 2 and 3 of both series
        }

        var fixedSizes = results[3]!;
        Assert.Equal(0, fixedSizes["changes"]!.GetValue<long>());
        Assert.Equal(0, fixedSizes["oomEvents"]!.GetValue<long>());
    }

    [Fact]
    public void Sized_only_at_daily_restarts_a_strategy_changes_requests_less_often_than_in_place()
    {
        var trace = Trace();

        var (inPlaceCode, inPlace, _) = Run("--trace", trace, "--format", "json", "--strategy", "resorcerer");
        var (initialCode, initial, error) = Run("--trace", trace, "--format", "json", "--strategy", "resorcerer", "--update-mode", "initial", "--restart-every", "24h");

        Assert.Equal((0, 0), (inPlaceCode, initialCode));
        var a = JsonNode.Parse(inPlace)!.AsArray()[0]!;
        var b = JsonNode.Parse(initial)!.AsArray()[0]!;
        Assert.True(b["changes"]!.GetValue<long>() <= 2 * 2, $"at most one change per series per restart: {b}; {error}");
        Assert.Equal(a["scoredSamples"]!.GetValue<long>(), b["scoredSamples"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("table", "STRATEGY")]
    [InlineData("csv", "strategy,series,scoredSamples,cpuSlack,memorySlack,cpuShortfall,cpuShortfallSamples,oomEvents,oomSeries,changes")]
    public void Other_formats_print_a_header_and_one_line_per_strategy(string format, string header)
    {
        var (code, output, _) = Run("--trace", Trace(), "--format", format, "--strategy", "vpa,krr");

        Assert.Equal(0, code);
        var lines = output.TrimEnd().Split('\n');
        Assert.StartsWith(header, lines[0], StringComparison.Ordinal);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("vpa", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_row_late_in_the_file_prints_nothing_but_the_error()
    {
        var (code, output, error) = Run("--trace", Trace(extraLine: "1700999999,app/1,main,lots,1"), "--format", "json");

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains("trace.csv.gz:1730: cpu_cores 'lots'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_workload_out_of_time_order_is_refused_with_its_line()
    {
        var (code, output, error) = Run("--trace", Trace(extraLine: "1700000000,app/1,sidecar,0.5,1"));

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(":1730: timestamp 1700000000 of app/1/sidecar is before the workload's previous sample", error, StringComparison.Ordinal);
        Assert.Contains("sort by workload, then timestamp", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--format", "json" }, "give at least one --trace file or --scenario")]
    [InlineData(new[] { "--trace", "/nonexistent.csv" }, "file '/nonexistent.csv' does not exist")]
    [InlineData(new[] { "--trace", "TRACE", "--strategy", "magic" }, "unknown strategy 'magic' (known: resorcerer, vpa, krr, or all)")]
    [InlineData(new[] { "--trace", "TRACE", "--format", "xml" }, "--format 'xml' is not one of table, json, csv")]
    [InlineData(new[] { "--trace", "TRACE", "--update-mode", "sometimes" }, "--update-mode 'sometimes' is not one of inplace, initial")]
    [InlineData(new[] { "--trace", "TRACE", "--restart-every", "24h" }, "--restart-every goes with --update-mode initial")]
    [InlineData(new[] { "--trace", "TRACE", "--update-mode", "initial", "--restart-every", "5m" }, "--restart-every '5m' is not a duration of 1h or more")]
    [InlineData(new[] { "--scenario", "wobbly" }, "unknown scenario 'wobbly' (known: flat, daily,")]
    [InlineData(new[] { "--scenario", "flat", "--scenario-days", "1" }, "--scenario-days '1' is not a whole number of days from 2 to 90")]
    public void Bad_options_exit_two_with_a_message(string[] args, string expected)
    {
        var trace = Trace();
        var (code, output, error) = Run(args.Select(a => a == "TRACE" ? trace : a).ToArray());

        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_states_the_simulation_rules()
    {
        var (code, output, _) = Run("--help");

        Assert.Equal(0, code);
        Assert.Contains("more than 10%", output, StringComparison.Ordinal);
        Assert.Contains("first 24 h", output, StringComparison.Ordinal);
        Assert.Contains("cpuShortfall = sum(max(u-r,0))/sum(u)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void By_series_gives_each_series_its_line_worst_first_in_every_format()
    {
        var (code, json, error) = Run("--scenario", "rare-bursts,flat", "--scenario-days", "10", "--by-series", "--format", "json");

        Assert.True(code == 0, error);
        var rows = JsonNode.Parse(json)!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(2 * 3 * 3, rows.Count); // 2 scenarios x 3 variants x 3 strategies
        Assert.All(rows, r => Assert.Equal(
            ["workload", "container", "strategy", "series", "scoredSamples", "cpuSlack", "memorySlack", "cpuShortfall", "cpuShortfallSamples", "oomEvents", "oomSeries", "changes"],
            r.Select(p => p.Key)));
        var order = rows.Select(r => (Oom: r["oomEvents"]!.GetValue<long>(), Short: r["cpuShortfall"]!.GetValue<double>())).ToList();
        Assert.Equal(order.OrderByDescending(o => o.Oom).ThenByDescending(o => o.Short), order);
        Assert.Contains(rows, r => r["workload"]!.GetValue<string>() == "scenario/flat/2" && r["strategy"]!.GetValue<string>() == "krr");

        var (_, csv, _) = Run("--scenario", "rare-bursts,flat", "--scenario-days", "10", "--by-series", "--format", "csv");
        var lines = csv.TrimEnd().Split('\n');
        Assert.Equal("workload,container,strategy,series,scoredSamples,cpuSlack,memorySlack,cpuShortfall,cpuShortfallSamples,oomEvents,oomSeries,changes", lines[0]);
        Assert.Equal(rows.Select(r => $"{r["workload"]},{r["container"]},{r["strategy"]}"), lines.Skip(1).Select(l => string.Join(',', l.Split(',').Take(3))));

        var (_, table, _) = Run("--scenario", "rare-bursts,flat", "--scenario-days", "10", "--by-series");
        Assert.StartsWith("WORKLOAD", table, StringComparison.Ordinal);
        Assert.Equal(1 + rows.Count, table.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public void The_default_report_of_scenarios_keeps_its_fields()
    {
        var (code, json, error) = Run("--scenario", "flat", "--scenario-days", "5", "--format", "json");

        Assert.True(code == 0, error);
        var results = JsonNode.Parse(json)!.AsArray();
        Assert.Equal(["resorcerer", "vpa", "krr"], results.Select(r => r!["strategy"]!.GetValue<string>()));
        Assert.All(results, r => Assert.Equal(3, r!["series"]!.GetValue<long>()));
        Assert.Equal(
            ["strategy", "series", "scoredSamples", "cpuSlack", "memorySlack", "cpuShortfall", "cpuShortfallSamples", "oomEvents", "oomSeries", "changes"],
            results[0]!.AsObject().Select(p => p.Key));
    }
}
