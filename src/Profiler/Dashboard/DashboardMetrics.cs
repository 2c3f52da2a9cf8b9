using Prometheus;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>The dashboard's own metrics: its reads of the report and the pages it served.</summary>
public sealed class DashboardMetrics
{
    private readonly Counter _reads;
    private readonly Histogram _readDuration;
    private readonly Counter _pages;

    public DashboardMetrics(IMetricFactory factory)
    {
        _reads = factory.CreateCounter("resorcerer_dashboard_report_reads_total",
            "Reads of the report behind the dashboard (profiles, running requests, owners), by result: ok, redis, prometheus.", ["result"]);
        _readDuration = factory.CreateHistogram("resorcerer_dashboard_report_read_duration_seconds",
            "Time one read of the report took.", new HistogramConfiguration { Buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _pages = factory.CreateCounter("resorcerer_dashboard_pages_total",
            "Dashboard pages served, by page (index, workload) and HTTP status.", ["page", "status"]);
    }

    public void Read(string result, TimeSpan elapsed)
    {
        _reads.WithLabels(result).Inc();
        _readDuration.Observe(elapsed.TotalSeconds);
    }

    public void Page(string page, int status) => _pages.WithLabels(page, status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
}
