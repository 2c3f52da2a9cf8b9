using System.Xml.Linq;
using Resorcerer.Profiler.Dashboard;

namespace Resorcerer.Profiler.Tests.Dashboard;

/// <summary>The server-drawn usage plot, read back as XML.</summary>
public sealed class UsagePlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly DateTimeOffset From = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 / 3600 * 3600);

    private static HourlyUsage Hour(int index, double p50, double p95, double max) => new(From.AddHours(index), p50, p95, max, 12);

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.42, 0.5)]
    [InlineData(1.0, 1.0)]
    [InlineData(1.01, 2.0)]
    [InlineData(2.3, 2.5)]
    [InlineData(3.0, 5.0)]
    [InlineData(730e6, 1e9)]
    public void The_scale_ends_on_a_round_value(double value, double top) => Assert.Equal(top, UsagePlot.NiceCeiling(value), 9);

    [Fact]
    public void Series_are_paths_broken_at_missing_hours_and_levels_are_lines_at_their_value()
    {
        var hours = new[] { Hour(0, 0.1, 0.2, 0.3), Hour(1, 0.1, 0.25, 0.4), Hour(3, 0.2, 0.3, 0.45) };
        var svg = XElement.Parse(UsagePlot.Svg("app: CPU", hours, From, From.AddHours(4),
            [new PlotLevel("request", "request now", 0.5), new PlotLevel("recommended", "recommended", 0.3), new PlotLevel("lower", "lower bound", null)],
            v => $"{v * 1000:0}m"));

        var paths = svg.Descendants(Svg + "path").ToDictionary(p => (string)p.Attribute("data-series")!, p => (string)p.Attribute("d")!);
        Assert.Equal(["max", "p95", "p50"], paths.Keys);
        // Three hours with a gap before the third: a move, a line, a move.
        Assert.Equal(2, paths["p95"].Count(c => c == 'M'));
        Assert.Equal(1, paths["p95"].Count(c => c == 'L'));

        var levels = svg.Descendants(Svg + "line").Where(l => l.Attribute("data-level") is not null).ToList();
        Assert.Equal(["request", "recommended"], levels.Select(l => (string)l.Attribute("data-level")!));
        // The highest value (the request, 0.5) with 5% headroom rounds up to a scale of 1: the plot's 184 pixels
        // between y 10 and y 194 put 0.5 at 102 and 0.3 at 138.8.
        double Y(string name) => (double)levels.Single(l => (string)l.Attribute("data-level")! == name).Attribute("y1")!;
        Assert.Equal(102, Y("request"), 1);
        Assert.Equal(138.8, Y("recommended"), 1);
        Assert.Contains("request now 500m", (string)svg.Attribute("aria-label")!, StringComparison.Ordinal);
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName == "script");
    }

    [Fact]
    public void No_samples_draw_no_series_and_say_so()
    {
        var svg = XElement.Parse(UsagePlot.Svg("app: memory", [], From, From.AddHours(2), [new PlotLevel("request", "request now", 1024)], v => $"{v:0}"));
        Assert.Empty(svg.Descendants(Svg + "path"));
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "no usage samples in this window");
    }
}
