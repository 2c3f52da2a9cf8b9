using System.Globalization;
using System.Net;
using System.Text;
using Resorcerer.Quantities;

namespace Resorcerer.Profiler.Report;

/// <summary>
/// The report as one self-contained HTML file, to mail or attach: a table, and per container two bar plots drawn
/// as inline SVG (no script, no stylesheet or font from elsewhere): the current request, the recommendation and
/// the observed p95 and maximum, on one scale per plot.
/// </summary>
public static class ReportHtml
{
    private const int Width = 260, Bar = 12, Gap = 4, Label = 92;

    public static string Write(IReadOnlyList<ContainerReport> lines, DateTimeOffset generatedAt, Prices prices)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>resorcerer report</title>\n")
            .Append("<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
            .Append("td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}")
            .Append(".waste{color:#8a5a00}.risk{color:#b00020}.ok{color:#1b5e20}svg text{font:11px system-ui,sans-serif}</style>\n")
            .Append("</head><body>\n<h1>resorcerer report</h1>\n")
            .Append(CultureInfo.InvariantCulture, $"<p>{lines.Count} container(s), generated {generatedAt:u}; prices ${prices.CpuPerCoreHour} per core-hour, ${prices.MemoryPerGibHour} per GiB-hour. ")
            .Append(CultureInfo.InvariantCulture, $"Net {lines.Sum(l => l.MonthlySavings):0.00} a month.</p>\n")
            .Append("<table><thead><tr><th>workload</th><th>container</th><th>pods</th><th>CPU</th><th>memory</th><th>saves a month</th><th>status</th></tr></thead><tbody>\n");
        foreach (var line in lines)
        {
            html.Append("<tr><td>").Append(Text(line.Workload.ToString())).Append("</td><td>").Append(Text(line.Container)).Append("</td><td>")
                .Append(line.Replicas.ToString(CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append(Plot("CPU", line.Cpu, v => Quantity.FormatMillicores(v))).Append("</td><td>")
                .Append(Plot("memory", line.Memory, v => Quantity.FormatBytes(v))).Append("</td><td>")
                .Append(line.MonthlySavings.ToString("0.00", CultureInfo.InvariantCulture)).Append("</td><td class=\"").Append(line.Status).Append("\">")
                .Append(line.Status).Append("</td></tr>\n");
        }

        return html.Append("</tbody></table>\n</body></html>\n").ToString();
    }

    private static string Text(string text) => WebUtility.HtmlEncode(text);

    /// <summary>Four bars on one scale: request now, recommended, observed p95 and max; a missing value draws no bar.</summary>
    private static string Plot(string resource, ResourceLine line, Func<long, string> format)
    {
        (string Name, long? Value, string Color)[] bars =
        [
            ("request", line.Request, "#607d8b"), ("recommended", line.RecommendedRequest, "#1565c0"), ("p95 used", line.P95, "#9e9e9e"), ("max used", line.Max, "#424242"),
        ];
        var top = Math.Max(1, bars.Max(b => b.Value ?? 0));
        var height = bars.Length * (Bar + Gap);
        var svg = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{Width + Label + 70}\" height=\"{height}\" aria-label=\"{resource}: ")
            .Append(Text(string.Join(", ", bars.Select(b => $"{b.Name} {(b.Value is { } v ? format(v) : "none")}")))).Append("\">");
        for (var i = 0; i < bars.Length; i++)
        {
            var (name, value, color) = bars[i];
            var y = i * (Bar + Gap);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + Bar - 2}\">{name}</text>");
            if (value is { } amount)
            {
                var width = Math.Max(1, (int)Math.Round((double)amount / top * Width));
                svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{Label}\" y=\"{y}\" width=\"{width}\" height=\"{Bar}\" fill=\"{color}\"/>")
                    .Append(CultureInfo.InvariantCulture, $"<text x=\"{Label + width + 4}\" y=\"{y + Bar - 2}\">{Text(format(amount))}</text>");
            }
        }

        return svg.Append("</svg>").ToString();
    }
}
