using Resorcerer.Profiler.Hosting;
using Resorcerer.Profiler.Report;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>
/// What the workload table shows: a namespace (or all), a filter on the names, a status, a column to sort by and a
/// direction, and a page. Everything comes from the page's address, so a view can be bookmarked and shared, and the
/// table works with links and a form alone.
/// </summary>
public sealed record DashboardQuery(string? Namespace, string Filter, string? Status, string Sort, bool Descending, int Page)
{
    public const int PageSize = 50;

    /// <summary>The columns one can sort by, and the direction a first click sorts them in.</summary>
    public static IReadOnlyDictionary<string, bool> Columns { get; } = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        ["workload"] = false, ["container"] = false, ["pods"] = true, ["cpu"] = true, ["cpu-rec"] = true,
        ["memory"] = true, ["memory-rec"] = true, ["savings"] = true, ["status"] = false,
    };

    public static DashboardQuery Default { get; } = new(null, string.Empty, null, "savings", true, 1);

    /// <summary>Reads the query string; a bad value gets a message naming it, as the API does.</summary>
    public static DashboardQuery Parse(string? @namespace, string? filter, string? status, string? sort, string? direction, string? page, out string? problem)
    {
        problem = null;
        @namespace = string.IsNullOrEmpty(@namespace) ? null : @namespace;
        status = string.IsNullOrEmpty(status) ? null : status;
        sort = string.IsNullOrEmpty(sort) ? Default.Sort : sort;
        if (@namespace is not null && !WorkloadNaming.IsNamespaceName(@namespace))
        {
            problem = $"namespace '{RequestArguments.Shorten(@namespace)}' is not a valid namespace name";
        }
        else if (status is not null && status is not (ReportStatus.Waste or ReportStatus.Risk or ReportStatus.Ok or ReportStatus.Unset))
        {
            problem = $"status '{RequestArguments.Shorten(status)}' is not one of waste, risk, ok, unset";
        }
        else if (!Columns.ContainsKey(sort))
        {
            problem = $"sort '{RequestArguments.Shorten(sort)}' is not one of {string.Join(", ", Columns.Keys)}";
        }
        else if (direction is not (null or "" or "asc" or "desc"))
        {
            problem = $"dir '{RequestArguments.Shorten(direction)}' is not asc or desc";
        }

        var number = 1;
        if (problem is null && !string.IsNullOrEmpty(page) && (!int.TryParse(page, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number) || number < 1))
        {
            problem = $"page '{RequestArguments.Shorten(page)}' is not a page number (1, 2, ...)";
        }

        return problem is not null ? Default
            : new DashboardQuery(@namespace, (filter ?? string.Empty).Trim(), status, sort, string.IsNullOrEmpty(direction) ? Columns[sort] : direction == "desc", number);
    }

    /// <summary>The lines of the namespace (or all), and of those the ones that pass the filter and status, sorted, and the page asked for.</summary>
    public DashboardView Apply(IReadOnlyList<ContainerReport> lines)
    {
        IReadOnlyList<ContainerReport> scope = Namespace is null ? lines : [.. lines.Where(l => l.Workload.Namespace == Namespace)];
        var matching = scope.Where(l => (Status is null || l.Status == Status)
            && (Filter.Length == 0 || $"{l.Workload}/{l.Container}".Contains(Filter, StringComparison.OrdinalIgnoreCase))).ToList();
        var ordered = Order(matching).ToList();
        var pages = Math.Max(1, (ordered.Count + PageSize - 1) / PageSize);
        var page = Math.Min(Page, pages);
        return new DashboardView(this with { Page = page }, scope, ordered.Count, pages, [.. ordered.Skip((page - 1) * PageSize).Take(PageSize)]);
    }

    private IEnumerable<ContainerReport> Order(List<ContainerReport> lines)
    {
        static string Name(ContainerReport l) => $"{l.Workload}/{l.Container}";
        IOrderedEnumerable<ContainerReport> By<T>(Func<ContainerReport, T> key, IComparer<T>? comparer = null) =>
            Descending ? lines.OrderByDescending(key, comparer) : lines.OrderBy(key, comparer);
        var sorted = Sort switch
        {
            "workload" => By(l => l.Workload.ToString(), StringComparer.Ordinal),
            "container" => By(l => l.Container, StringComparer.Ordinal),
            "pods" => By(l => l.Replicas),
            "cpu" => By(l => l.Cpu.Request ?? -1),
            "cpu-rec" => By(l => l.Cpu.RecommendedRequest ?? -1),
            "memory" => By(l => l.Memory.Request ?? -1),
            "memory-rec" => By(l => l.Memory.RecommendedRequest ?? -1),
            "status" => By(l => l.Status, StringComparer.Ordinal),
            _ => By(l => l.MonthlySavings),
        };
        return sorted.ThenBy(Name, StringComparer.Ordinal);
    }
}

/// <summary>
/// One page of the table: the query as applied (its page within range), the lines of its namespace (or all), how
/// many of them match, how many pages, the lines shown.
/// </summary>
public sealed record DashboardView(DashboardQuery Query, IReadOnlyList<ContainerReport> Scope, int Matching, int Pages, IReadOnlyList<ContainerReport> Lines);
