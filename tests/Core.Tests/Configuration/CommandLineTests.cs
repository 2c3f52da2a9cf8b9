using System.Collections;
using Resorcerer.Configuration;

namespace Resorcerer.Core.Tests.Configuration;

public class CommandLineTests
{
    private static readonly CliOption[] Options =
    [
        new("prometheus-url", "P:PrometheusUrl", "Prometheus.", "URL"),
        new("once", "P:Once", "One cycle."),
        new("trace", "P:Traces", "A trace file.", "FILE", Repeatable: true),
    ];

    [Fact]
    public void Reads_values_switches_and_equals_forms()
    {
        var result = CommandLine.Parse(["--prometheus-url", "http://p:9090", "--once"], Options);
        Assert.True(result.IsValid);
        Assert.Equal("http://p:9090", result.Values["P:PrometheusUrl"]);
        Assert.Equal("true", result.Values["P:Once"]);

        var equals = CommandLine.Parse(["--prometheus-url=http://q", "--once=false"], Options);
        Assert.Equal("http://q", equals.Values["P:PrometheusUrl"]);
        Assert.Equal("false", equals.Values["P:Once"]);
    }

    [Fact]
    public void Repeatable_options_bind_as_a_list()
    {
        var result = CommandLine.Parse(["--trace", "a.csv", "--trace", "b.csv.gz"], Options);
        Assert.Equal("a.csv", result.Values["P:Traces:0"]);
        Assert.Equal("b.csv.gz", result.Values["P:Traces:1"]);
    }

    [Theory]
    [InlineData(new[] { "--bogus" }, "unknown option --bogus")]
    [InlineData(new[] { "--prometheus-url" }, "option --prometheus-url needs a value (URL)")]
    [InlineData(new[] { "--prometheus-url", "--once" }, "option --prometheus-url needs a value (URL)")]
    [InlineData(new[] { "stray" }, "unexpected argument 'stray'")]
    [InlineData(new[] { "--once=maybe" }, "option --once is a switch")]
    public void Errors_name_the_option(string[] args, string expected)
    {
        var result = CommandLine.Parse(args, Options);
        Assert.False(result.IsValid);
        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_is_recognised(string flag) => Assert.True(CommandLine.Parse([flag], Options).HelpRequested);

    [Fact]
    public void Environment_variables_map_to_the_same_keys()
    {
        var environment = new Hashtable { ["RESORCERER_PROMETHEUS_URL"] = "http://env", ["RESORCERER_TRACE"] = "a.csv, b.csv", ["UNRELATED"] = "x" };
        var values = CommandLine.FromEnvironment(Options, environment);
        Assert.Equal("http://env", values["P:PrometheusUrl"]);
        Assert.Equal("a.csv", values["P:Traces:0"]);
        Assert.Equal("b.csv", values["P:Traces:1"]);
        Assert.Equal(3, values.Count);
    }

    [Fact]
    public void Numbered_variables_give_a_repeatable_option_values_that_hold_commas()
    {
        var environment = new Hashtable
        {
            ["RESORCERER_TRACE"] = "ignored.csv", ["RESORCERER_TRACE_0"] = "a, with a comma.csv", ["RESORCERER_TRACE_1"] = "b.csv",
            ["RESORCERER_TRACE_3"] = "after a gap: not read",
        };

        var values = CommandLine.FromEnvironment(Options, environment);

        Assert.Equal("a, with a comma.csv", values["P:Traces:0"]);
        Assert.Equal("b.csv", values["P:Traces:1"]);
        Assert.Equal(2, values.Count);
    }

    [Fact]
    public void Help_lists_every_option_with_its_variable()
    {
        var help = CommandLine.Help("tool [options]", "Does things.", Options);
        foreach (var option in Options)
        {
            Assert.Contains("--" + option.Name, help, StringComparison.Ordinal);
            Assert.Contains(option.EnvironmentVariable, help, StringComparison.Ordinal);
        }
    }
}
