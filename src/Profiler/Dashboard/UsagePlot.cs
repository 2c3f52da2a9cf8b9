using System.Globalization;
using System.Net;
using System.Text;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>A level drawn across a plot: a request, a recommendation or a bound, in the plot's unit; null draws nothing.</summary>
public sealed record PlotLevel(string Name, string Label, double? Value);

/// <summary>
/// A usage plot drawn on the server as SVG: hourly median, 95th percentile and maximum as three paths over time,
/// the current request, the recommendation and its bounds as horizontal lines, axes with a few round ticks, and a
/// legend. No script draws it, so it shows as soon as the page arrives, prints, and works in a mailed file.
/// </summary>
public static class UsagePlot
{
    private const int Width = 600, Height = 240, Left = 64, Right = 12, Top = 10, Bottom = 46;
    private const int PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    private static readonly (string Name, string Label, Func<HourlyUsage, double> Value)[] Series =
    [
        ("max", "max", h => h.Max), ("p95", "p95", h => h.P95), ("p50", "p50", h => h.P50),
    ];

    public static string Svg(string title, IReadOnlyList<HourlyUsage> hours, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<PlotLevel> levels, Func<double, string> format)
    {
        var top = NiceCeiling(Math.Max(hours.Select(h => h.Max).DefaultIfEmpty(0).Max(), levels.Max(l => l.Value ?? 0)) * 1.05);
        var start = from.ToUnixTimeSeconds();
        var span = Math.Max(3600, to.ToUnixTimeSeconds() - start);
        double X(long t) => Left + Math.Clamp((double)(t - start) / span, 0, 1) * PlotWidth;
        double Y(double v) => Top + PlotHeight - Math.Clamp(v / top, 0, 1) * PlotHeight;

        var description = hours.Count == 0
            ? "no usage samples in this window"
            : $"{hours.Count} hours; highest hourly max {format(hours.Max(h => h.Max))}, p95 {format(hours.Max(h => h.P95))}; "
              + string.Join("; ", levels.Where(l => l.Value is not null).Select(l => $"{l.Label} {format(l.Value!.Value)}"));
        var svg = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\" aria-label=\"")
            .Append(Text($"{title}: {description}")).Append("\">")
            .Append("<title>").Append(Text(title)).Append("</title>");

        // Grid and axes: four round steps up, a tick a day (or every few hours on a short history).
        for (var i = 0; i <= 4; i++)
        {
            var value = top * i / 4;
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\" stroke=\"#e0e0e0\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Text(format(value))}</text>");
        }

        var tickHours = span <= 12 * 3600 ? 2 : span <= 36 * 3600 ? 6 : span <= 4 * 86400 ? 24 : span <= 16 * 86400 ? 48 : 24 * 7;
        for (var t = (start + tickHours * 3600 - 1) / (tickHours * 3600) * (tickHours * 3600); t <= start + span; t += tickHours * 3600)
        {
            var x = X(t);
            var label = DateTimeOffset.FromUnixTimeSeconds(t).ToString(tickHours < 24 ? "HH:mm" : "MMM d", CultureInfo.InvariantCulture);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{x:0.#}\" x2=\"{x:0.#}\" y1=\"{Top}\" y2=\"{Top + PlotHeight}\" stroke=\"#f0f0f0\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"tick\" x=\"{x:0.#}\" y=\"{Top + PlotHeight + 14}\" text-anchor=\"middle\">{label}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" fill=\"none\" stroke=\"#9e9e9e\"/>");

        // Usage: one path per series, broken where an hour has no samples.
        foreach (var (name, _, value) in Series)
        {
            var path = new StringBuilder();
            long? previous = null;
            foreach (var hour in hours)
            {
                var t = hour.Hour.ToUnixTimeSeconds();
                path.Append(previous == t - 3600 ? " L" : " M").Append(CultureInfo.InvariantCulture, $"{X(t + 1800):0.#},{Y(value(hour)):0.#}");
                previous = t;
            }

            if (path.Length > 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<path class=\"series {name}\" data-series=\"{name}\" d=\"{path.ToString().Trim()}\" fill=\"none\"/>");
            }
        }

        foreach (var level in levels.Where(l => l.Value is not null))
        {
            var y = Y(level.Value!.Value);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"level {level.Name}\" data-level=\"{level.Name}\" data-value=\"{level.Value.Value.ToString("R", CultureInfo.InvariantCulture)}\" ")
                .Append(CultureInfo.InvariantCulture, $"x1=\"{Left}\" x2=\"{Left + PlotWidth}\" y1=\"{y:0.#}\" y2=\"{y:0.#}\"><title>{Text($"{level.Label}: {format(level.Value.Value)}")}</title></line>");
        }

        if (hours.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"empty\" x=\"{Left + PlotWidth / 2}\" y=\"{Top + PlotHeight / 2}\" text-anchor=\"middle\">no usage samples in this window</text>");
        }

        // Legend under the axis: the series, then the levels that are drawn (two levels drawn alike share an entry).
        var x0 = Left;
        var drawn = levels.Where(l => l.Value is not null).ToList();
        var entries = Series.Select(s => (s.Name, s.Label, IsSeries: true))
            .Concat(drawn.GroupBy(l => Style(l.Name)).Select(g => (Name: g.First().Name, Label: string.Join(" / ", g.Select(l => l.Label)), IsSeries: false)));
        foreach (var (name, label, isSeries) in entries)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"{(isSeries ? "series" : "level")} {name}\" x1=\"{x0}\" x2=\"{x0 + 18}\" y1=\"{Height - 10}\" y2=\"{Height - 10}\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{x0 + 22}\" y=\"{Height - 6}\">{Text(label)}</text>");
            x0 += 30 + (int)(label.Length * 5.8);
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Levels drawn with the same stroke: the two bounds.</summary>
    private static string Style(string level) => level is "lower" or "upper" ? "bound" : level;

    /// <summary>The smallest 1, 2, 2.5 or 5 times a power of ten at or above the value (1 for nothing to show).</summary>
    public static double NiceCeiling(double value)
    {
        if (!(value > 0) || !double.IsFinite(value))
        {
            return 1;
        }

        var power = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var factor in (ReadOnlySpan<double>)[1, 2, 2.5, 5, 10])
        {
            if (factor * power >= value * (1 - 1e-12))
            {
                return factor * power;
            }
        }

        return 10 * power;
    }

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}
