using System.Text;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>The dashboard's addresses, made in one place.</summary>
public static class DashboardLinks
{
    public static string Workload(WorkloadRef workload) =>
        $"/workloads/{Uri.EscapeDataString(workload.Namespace)}/{Uri.EscapeDataString(workload.Kind)}/{Uri.EscapeDataString(workload.Name)}";

    /// <summary>The table's address for a query; values equal to the defaults are left out, so the plain view is <c>/</c>.</summary>
    public static string Table(DashboardQuery query)
    {
        var parts = new List<string>();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }

        Add("namespace", query.Namespace);
        Add("q", query.Filter);
        Add("status", query.Status);
        if (query.Sort != DashboardQuery.Default.Sort || query.Descending != DashboardQuery.Columns[query.Sort])
        {
            Add("sort", query.Sort);
            Add("dir", query.Descending ? "desc" : "asc");
        }

        if (query.Page > 1)
        {
            Add("page", query.Page.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "/" : new StringBuilder("/?").AppendJoin('&', parts).ToString();
    }
}
