using System.Globalization;
using System.Net;
using System.Text;
using Resorcerer.Profiler.Report;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Storage;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>What a workload's page shows; a part that could not be read carries the reason instead.</summary>
public sealed record WorkloadPage(
    WorkloadProfile Profile,
    IReadOnlyList<ContainerReport> Lines,
    WorkloadHistory? History,
    string? HistoryProblem,
    IReadOnlyList<UpdateRecord> Updates,
    string? UpdatesProblem,
    DateTimeOffset Now);

/// <summary>
/// The dashboard's pages, written on the server as plain HTML with inline SVG plots: links and a form do the
/// sorting, filtering and paging, so every page works with the keyboard and without script.
/// </summary>
public static class DashboardHtml
{
    public static string Index(DashboardView view, IReadOnlyList<ContainerReport> all, DateTimeOffset generatedAt, Prices prices)
    {
        var query = view.Query;
        var shown = view.Scope;
        var body = new StringBuilder();
        body.Append("<h1>").Append(query.Namespace is null ? "All namespaces" : "Namespace " + Text(query.Namespace)).Append("</h1>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"summary\">{shown.Select(l => l.Workload).Distinct().Count()} workload(s), {shown.Count} container(s): ")
            .Append(CultureInfo.InvariantCulture, $"{shown.Count(l => l.Status == ReportStatus.Waste)} waste, {shown.Count(l => l.Status == ReportStatus.Risk)} at risk; ")
            .Append(CultureInfo.InvariantCulture, $"the recommendations would save {Money(shown.Sum(l => l.MonthlySavings))} a month net ")
            .Append(CultureInfo.InvariantCulture, $"(${prices.CpuPerCoreHour} per core-hour, ${prices.MemoryPerGibHour} per GiB-hour). Read {generatedAt:u}.</p>\n");

        body.Append("<nav class=\"namespaces\" aria-label=\"Namespaces\"><ul>")
            .Append("<li><a href=\"").Append(Text(DashboardLinks.Table(query with { Namespace = null, Page = 1 }))).Append('"')
            .Append(query.Namespace is null ? " aria-current=\"page\"" : string.Empty).Append(CultureInfo.InvariantCulture, $">all <span class=\"note\">{all.Count}</span></a></li>");
        foreach (var group in all.GroupBy(l => l.Workload.Namespace).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            body.Append("<li><a href=\"").Append(Text(DashboardLinks.Table(query with { Namespace = group.Key, Page = 1 }))).Append('"')
                .Append(query.Namespace == group.Key ? " aria-current=\"page\"" : string.Empty)
                .Append('>').Append(Text(group.Key)).Append(CultureInfo.InvariantCulture, $" <span class=\"note\">{group.Count()}</span></a></li>");
        }

        body.Append("</ul></nav>\n");

        body.Append("<form class=\"filter\" method=\"get\" action=\"/\" role=\"search\">");
        if (query.Namespace is not null)
        {
            body.Append("<input type=\"hidden\" name=\"namespace\" value=\"").Append(Text(query.Namespace)).Append("\">");
        }

        body.Append("<label for=\"q\">Filter by name<input id=\"q\" name=\"q\" type=\"search\" value=\"").Append(Text(query.Filter))
            .Append("\" placeholder=\"e.g. web or shop/Deployment\"></label>")
            .Append("<label for=\"status\">Status<select id=\"status\" name=\"status\">");
        foreach (var status in new[] { string.Empty, ReportStatus.Risk, ReportStatus.Waste, ReportStatus.Ok, ReportStatus.Unset })
        {
            body.Append("<option value=\"").Append(status).Append('"').Append((query.Status ?? string.Empty) == status ? " selected" : string.Empty)
                .Append('>').Append(status.Length == 0 ? "any" : status).Append("</option>");
        }

        body.Append("</select></label>")
            .Append("<input type=\"hidden\" name=\"sort\" value=\"").Append(query.Sort).Append("\"><input type=\"hidden\" name=\"dir\" value=\"")
            .Append(query.Descending ? "desc" : "asc").Append("\"><button type=\"submit\">Apply</button>");
        if (query.Filter.Length > 0 || query.Status is not null)
        {
            body.Append(" <a href=\"").Append(Text(DashboardLinks.Table(query with { Filter = string.Empty, Status = null, Page = 1 }))).Append("\">clear</a>");
        }

        body.Append("</form>\n");

        body.Append("<table id=\"workloads\"><caption>")
            .Append(CultureInfo.InvariantCulture, $"{view.Matching} container(s) match; page {query.Page} of {view.Pages}, {DashboardQuery.PageSize} a page. ")
            .Append("Requests are per pod: now (the average over running pods) and recommended.</caption><thead><tr>");
        foreach (var (column, label, numeric) in new[]
        {
            ("workload", "Workload", false), ("container", "Container", false), ("pods", "Pods", true), ("cpu", "CPU now", true), ("cpu-rec", "CPU rec.", true),
            ("memory", "Memory now", true), ("memory-rec", "Memory rec.", true), ("savings", "Saves / month", true), ("status", "Status", false),
        })
        {
            var active = query.Sort == column;
            var descending = active ? !query.Descending : DashboardQuery.Columns[column];
            body.Append("<th scope=\"col\"").Append(numeric ? " class=\"num\"" : string.Empty)
                .Append(active ? $" aria-sort=\"{(query.Descending ? "descending" : "ascending")}\"" : string.Empty)
                .Append("><a href=\"").Append(Text(DashboardLinks.Table(query with { Sort = column, Descending = descending, Page = 1 })))
                .Append("\">").Append(label).Append("</a></th>");
        }

        body.Append("</tr></thead><tbody>\n");
        foreach (var line in view.Lines)
        {
            body.Append("<tr data-workload=\"").Append(Text(line.Workload.ToString())).Append("\" data-container=\"").Append(Text(line.Container)).Append("\">")
                .Append("<td><a href=\"").Append(Text(DashboardLinks.Workload(line.Workload))).Append("\">").Append(Text(line.Workload.ToString())).Append("</a></td>")
                .Append("<td>").Append(Text(line.Container)).Append("</td>")
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{line.Replicas}</td>")
                .Append(Cell("cpu", line.Cpu.Request, Cpu)).Append(Cell("cpu-rec", line.Cpu.RecommendedRequest, Cpu))
                .Append(Cell("memory", line.Memory.Request, Memory)).Append(Cell("memory-rec", line.Memory.RecommendedRequest, Memory))
                .Append(CultureInfo.InvariantCulture, $"<td class=\"num\" data-column=\"savings\">{Money(line.MonthlySavings)}</td>")
                .Append("<td class=\"").Append(line.Status).Append("\" data-column=\"status\">").Append(line.Status).Append("</td></tr>\n");
        }

        if (view.Lines.Count == 0)
        {
            body.Append("<tr><td colspan=\"9\" class=\"note\">")
                .Append(all.Count == 0 ? "No profiles yet: the profiler writes them after its first cycle over an opted-in namespace." : "Nothing matches.")
                .Append("</td></tr>\n");
        }

        body.Append("</tbody></table>\n<nav class=\"pages\" aria-label=\"Pages\">");
        body.Append(query.Page > 1 ? $"<a rel=\"prev\" href=\"{Text(DashboardLinks.Table(query with { Page = query.Page - 1 }))}\">&larr; Previous</a>" : "<span class=\"note\">&larr; Previous</span>")
            .Append(CultureInfo.InvariantCulture, $"<span>Page {query.Page} of {view.Pages}</span>")
            .Append(query.Page < view.Pages ? $"<a rel=\"next\" href=\"{Text(DashboardLinks.Table(query with { Page = query.Page + 1 }))}\">Next &rarr;</a>" : "<span class=\"note\">Next &rarr;</span>")
            .Append("</nav>\n");
        return Layout(query.Namespace is null ? "resorcerer" : $"{query.Namespace} - resorcerer", body.ToString());
    }

    public static string Workload(WorkloadPage page)
    {
        var profile = page.Profile;
        var workload = profile.Workload;
        var policy = profile.Policy ?? WorkloadPolicy.Default;
        var body = new StringBuilder();
        body.Append("<p><a href=\"").Append(Text(DashboardLinks.Table(DashboardQuery.Default with { Namespace = workload.Namespace })))
            .Append("\">&larr; ").Append(Text(workload.Namespace)).Append("</a></p>\n")
            .Append("<h1>").Append(Text($"{workload.Kind} {workload.Name}")).Append(" <span class=\"note\">in ").Append(Text(workload.Namespace)).Append("</span></h1>\n")
            .Append("<dl class=\"facts\">")
            .Append(Fact("Profile updated", $"{profile.UpdatedAt:u} ({Ago(page.Now - profile.UpdatedAt)} ago)"))
            .Append(Fact("History", $"{Span(profile.History)} of samples"))
            .Append(Fact("Strategy", profile.Strategy))
            .Append(profile.LargestNode is { } node ? Fact("Largest node", $"{Cpu(node.Cpu)} CPU, {Memory(node.Memory)} memory allocatable") : string.Empty)
            .Append("</dl>\n");

        body.Append("<h2 id=\"policy\">Policy in force</h2>\n<dl class=\"facts\">")
            .Append(Fact("Mode", policy.Mode + (policy.ActsOnRunningPods ? " (the updater acts on running pods)" : policy.Mode == UpdateMode.Off ? " (nothing is changed)" : " (new pods are sized at admission)")))
            .Append(Fact("Controlled values", policy.ControlledValues.ToString()))
            .Append(Fact("Excluded containers", policy.ExcludeContainers.Count == 0 ? "none" : string.Join(", ", policy.ExcludeContainers)))
            .Append(Fact("Allowed", Bounds(policy.Allowed)))
            .Append(Fact("LimitRange", Bounds(policy.LimitRange)))
            .Append(Fact("Memory guard", policy.MemoryGuard is { } guard ? $"at {guard.ThresholdPercent}% of the limit, x{guard.Multiplier}" : "off"))
            .Append(Fact("CPU start-up boost", policy.CpuStartupBoost is { } boost
                ? $"{(boost.Factor is { } f ? $"x{f}" : Cpu(boost.Millicores ?? 0))} for {Span(boost.Duration)} after Ready" : "off"))
            .Append("</dl>\n");
        foreach (var problem in policy.Problems ?? [])
        {
            body.Append("<p class=\"problem\">").Append(Text(problem)).Append("</p>\n");
        }

        body.Append("<h2 id=\"containers\">Containers</h2>\n");
        if (page.HistoryProblem is not null)
        {
            body.Append("<p class=\"problem\">The usage history cannot be read: ").Append(Text(page.HistoryProblem)).Append("</p>\n");
        }
        else if (page.History is { } history)
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Usage per hour from {history.From:u} to {history.To:u}, over every pod of the workload: median, 95th percentile and maximum of the {history.Step} samples. ")
                .Append("Lines: the current request (dashed), the recommendation (solid) and its bounds (dotted).</p>\n");
        }

        foreach (var (name, container) in profile.Containers.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var line = page.Lines.FirstOrDefault(l => l.Container == name);
            body.Append("<section class=\"container\" data-container=\"").Append(Text(name)).Append("\"><h3>").Append(Text(name)).Append("</h3>\n")
                .Append("<table class=\"numbers\"><thead><tr><th scope=\"col\">Resource</th><th scope=\"col\" class=\"num\">Request now</th><th scope=\"col\" class=\"num\">Limit now</th>")
                .Append("<th scope=\"col\" class=\"num\">Recommended</th><th scope=\"col\" class=\"num\">Rec. limit</th><th scope=\"col\" class=\"num\">Lower bound</th><th scope=\"col\" class=\"num\">Upper bound</th>")
                .Append("<th scope=\"col\" class=\"num\">p50</th><th scope=\"col\" class=\"num\">p95</th><th scope=\"col\" class=\"num\">max</th><th scope=\"col\" class=\"num\">Samples</th></tr></thead><tbody>")
                .Append(NumbersRow("CPU", "cpu", container.Cpu, line?.Cpu, Cpu))
                .Append(NumbersRow("Memory", "memory", container.Memory, line?.Memory, Memory))
                .Append("</tbody></table>\n");
            if (page.History is { } history)
            {
                body.Append(Hindsight(history.Cpu.GetValueOrDefault(name) ?? [], history.Memory.GetValueOrDefault(name) ?? [], container, line));
                body.Append("<div class=\"plots\">")
                    .Append(Plot($"{name}: CPU", history.Cpu.GetValueOrDefault(name) ?? [], history, container.Cpu, line?.Cpu, 1000, v => Cpu((long)Math.Round(v * 1000))))
                    .Append(Plot($"{name}: memory", [.. (history.Memory.GetValueOrDefault(name) ?? []).Select(h => h with { P50 = h.P50 / Mi, P95 = h.P95 / Mi, Max = h.Max / Mi })], history, container.Memory, line?.Memory, Mi, v => v >= 1024 ? $"{v / 1024:0.##}Gi" : $"{v:0.#}Mi"))
                    .Append("</div>\n");
            }

            body.Append("</section>\n");
        }

        body.Append("<h2 id=\"connections\">Connections</h2>\n");
        if (profile.Connections is not { IsEmpty: false } connections)
        {
            body.Append("<p class=\"note\">No traffic recorded: the workload has no mesh proxy (Linkerd or Istio), or no peer in the profile's window.</p>\n");
        }
        else
        {
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">From the service mesh between {connections.From:u} and {connections.To:u}.</p>\n")
                .Append(NeighbourGraph.Svg(workload, connections)).Append('\n')
                .Append("<table class=\"edges\"><thead><tr><th scope=\"col\">Direction</th><th scope=\"col\">Peer</th><th scope=\"col\">Mesh</th><th scope=\"col\" class=\"num\">Requests/min</th>")
                .Append("<th scope=\"col\" class=\"num\">p95</th><th scope=\"col\" class=\"num\">Bytes/s</th><th scope=\"col\" class=\"num\">Errors</th></tr></thead><tbody>");
            foreach (var (direction, edge) in connections.Inbound.Select(e => ("from", e)).Concat(connections.Outbound.Select(e => ("to", e))))
            {
                var peer = edge.Peer.Kind == WorkloadKinds.Unmeshed ? "clients without a mesh proxy"
                    : $"<a href=\"{Text(DashboardLinks.Workload(edge.Peer))}\">{Text(edge.Peer.ToString())}</a>";
                body.Append(CultureInfo.InvariantCulture, $"<tr><td>{direction}</td><td>{peer}</td><td>{edge.Mesh}</td><td class=\"num\">{edge.RequestsPerMinute:0.##}</td>")
                    .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{edge.RequestsPerMinuteP95:0.##}</td><td class=\"num\">{edge.BytesPerSecond:0.##}</td>")
                    .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{(edge.ErrorRatio is { } e ? e.ToString("0.##%", CultureInfo.InvariantCulture) : "-")}</td></tr>");
            }

            body.Append("</tbody></table>\n");
        }

        body.Append("<h2 id=\"updates\">Recent updater actions</h2>\n");
        if (page.UpdatesProblem is not null)
        {
            body.Append("<p class=\"problem\">").Append(Text(page.UpdatesProblem)).Append("</p>\n");
        }
        else if (page.Updates.Count == 0)
        {
            body.Append("<p class=\"note\">None in the last 14 days")
                .Append(policy.ActsOnRunningPods ? "." : $": in mode {policy.Mode} the updater leaves running pods alone.").Append("</p>\n");
        }
        else
        {
            body.Append("<table class=\"updates\"><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Pod</th><th scope=\"col\">Action</th><th scope=\"col\">Reason</th><th scope=\"col\">Result</th><th scope=\"col\">What</th></tr></thead><tbody>");
            foreach (var update in page.Updates)
            {
                body.Append(CultureInfo.InvariantCulture, $"<tr><td>{DateTimeOffset.FromUnixTimeSeconds(update.Timestamp):u}</td><td>{Text(update.Pod)}</td><td>{Text(update.Action)}</td>")
                    .Append(CultureInfo.InvariantCulture, $"<td>{Text(update.Reason)}</td><td>{Text(update.Result)}</td><td class=\"wrap\">{Text(update.Message)}</td></tr>");
            }

            body.Append("</tbody></table>\n");
        }

        body.Append("<p class=\"note\">As JSON: <a href=\"/api/v1/profiles/").Append(Text($"{workload.Namespace}/{workload.Kind}/{workload.Name}")).Append("\">the stored profile</a>.</p>\n");
        return Layout($"{workload} - resorcerer", body.ToString());
    }

    public static string Problem(string title, string message) =>
        Layout($"{title} - resorcerer", $"<h1>{Text(title)}</h1>\n<p class=\"problem\">{Text(message)}</p>\n<p><a href=\"/\">All workloads</a></p>\n");

    private static string Layout(string title, string body) =>
        new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Append("<title>").Append(Text(title)).Append("</title><link rel=\"stylesheet\" href=\"").Append(DashboardStyle.Path).Append("\"></head><body>\n")
            .Append("<a class=\"skip\" href=\"#main\">Skip to content</a>\n")
            .Append("<header class=\"top\"><a class=\"brand\" href=\"/\">resorcerer</a><nav aria-label=\"Site\"><a href=\"/\">Workloads</a> &middot; ")
            .Append("<a href=\"/api/v1/report\">Report (JSON)</a> &middot; <a href=\"/api/v1/graph\">Service graph (JSON)</a></nav></header>\n")
            .Append("<main id=\"main\">\n").Append(body).Append("</main>\n</body></html>\n").ToString();

    private static string Plot(string title, IReadOnlyList<HourlyUsage> hours, WorkloadHistory history, ResourceProfile? profile, ResourceLine? line, double unit, Func<double, string> format) =>
        UsagePlot.Svg(title, hours, history.From, history.To,
        [
            new PlotLevel("request", "request now", line?.Request / unit),
            new PlotLevel("recommended", "recommended", (line?.RecommendedRequest ?? profile?.Target) / unit),
            new PlotLevel("lower", "lower bound", profile?.LowerBound / unit),
            new PlotLevel("upper", "upper bound", profile?.UpperBound / unit),
        ], format);

    /// <summary>
    /// What the recommendation would have meant over the plotted history, beside what the requests now mean: the
    /// hours whose peak went above the request (CPU shared with neighbours, memory reclaimable) and, for memory,
    /// above the limit (an OOM kill).
    /// </summary>
    private static string Hindsight(IReadOnlyList<HourlyUsage> cpu, IReadOnlyList<HourlyUsage> memory, ContainerProfile profile, ContainerReport? line)
    {
        if (cpu.Count == 0 && memory.Count == 0)
        {
            return string.Empty;
        }

        string Hours(int count, int of) => $"{count} of {of} hour{(of == 1 ? string.Empty : "s")}";
        var recommendedCpu = (line?.Cpu.RecommendedRequest ?? profile.Cpu?.Target) / 1000.0;
        var recommendedMemory = (double?)(line?.Memory.RecommendedRequest ?? profile.Memory?.Target);
        var text = new StringBuilder("<ul class=\"hindsight\">");
        text.Append("<li data-hindsight=\"recommended\">With the recommendation: CPU above the request in ").Append(Hours(UsageHistory.HoursAbove(cpu, recommendedCpu), cpu.Count))
            .Append(", memory above the request in ").Append(Hours(UsageHistory.HoursAbove(memory, recommendedMemory), memory.Count));
        if (line?.Memory.RecommendedLimit is { } limit)
        {
            text.Append(", above the limit (OOM-killed) in ").Append(Hours(UsageHistory.HoursAbove(memory, limit), memory.Count));
        }

        text.Append(".</li>");
        if (line is { Replicas: > 0 })
        {
            text.Append("<li data-hindsight=\"now\">With the requests now: CPU above the request in ").Append(Hours(UsageHistory.HoursAbove(cpu, line.Cpu.Request / 1000.0), cpu.Count))
                .Append(", memory above the request in ").Append(Hours(UsageHistory.HoursAbove(memory, line.Memory.Request), memory.Count));
            if (line.Memory.Limit is { } now)
            {
                text.Append(", above the limit in ").Append(Hours(UsageHistory.HoursAbove(memory, now), memory.Count));
            }

            text.Append(".</li>");
        }

        return text.Append("</ul>\n").ToString();
    }

    private static string NumbersRow(string label, string resource, ResourceProfile? profile, ResourceLine? line, Func<long, string> format)
    {
        return new StringBuilder("<tr data-resource=\"").Append(resource).Append("\"><th scope=\"row\">").Append(label).Append("</th>")
            .Append(Cell("request", line?.Request, format)).Append(Cell("limit", line?.Limit, format))
            .Append(Cell("recommended", line?.RecommendedRequest ?? profile?.Target, format)).Append(Cell("recommended-limit", line?.RecommendedLimit, format))
            .Append(Cell("lower", profile?.LowerBound, format)).Append(Cell("upper", profile?.UpperBound, format))
            .Append(Cell("p50", profile?.Observed.P50, format)).Append(Cell("p95", profile?.Observed.P95, format)).Append(Cell("max", profile?.Observed.Max, format))
            .Append(CultureInfo.InvariantCulture, $"<td class=\"num\">{(profile is null ? "too few to trust" : profile.Observed.Samples.ToString("N0", CultureInfo.InvariantCulture))}</td></tr>")
            .ToString();
    }

    private static string Cell(string column, long? value, Func<long, string> format) =>
        $"<td class=\"num\" data-column=\"{column}\">{(value is { } v ? Text(format(v)) : "-")}</td>";

    private static string Fact(string term, string value) => $"<dt>{Text(term)}</dt><dd>{Text(value)}</dd>";

    private static string Bounds(ResourceBounds? bounds) => bounds is null || bounds.IsEmpty ? "none"
        : string.Join(", ", new[]
        {
            bounds.MinCpu is { } a ? $"CPU at least {Cpu(a)}" : null, bounds.MaxCpu is { } b ? $"CPU at most {Cpu(b)}" : null,
            bounds.MinMemory is { } c ? $"memory at least {Memory(c)}" : null, bounds.MaxMemory is { } d ? $"memory at most {Memory(d)}" : null,
        }.OfType<string>());

    public static string Cpu(long millicores) => Quantity.FormatMillicores(millicores);

    /// <summary>Memory as Kubernetes writes it when it is a whole number of MiB (as recommendations are), else in MiB with a decimal.</summary>
    public static string Memory(long bytes) => bytes % (1024 * 1024) == 0 || bytes < 1024 * 1024
        ? Quantity.FormatBytes(bytes)
        : ((double)bytes / Mi).ToString("0.#", CultureInfo.InvariantCulture) + "Mi";

    /// <summary>The memory plots' unit: MiB, so that their scales end on round numbers of them.</summary>
    public const double Mi = 1024 * 1024;

    private static string Money(double amount) => amount.ToString("$#,##0.00;-$#,##0.00", CultureInfo.InvariantCulture);

    private static string Span(TimeSpan span) => span.TotalDays >= 2 ? $"{span.TotalDays:0.#} days" : span.TotalHours >= 2 ? $"{span.TotalHours:0.#} hours" : $"{span.TotalMinutes:0} minutes";

    private static string Ago(TimeSpan span) => span < TimeSpan.Zero ? "0 minutes" : Span(span);

    private static string Text(string text) => WebUtility.HtmlEncode(text);
}
