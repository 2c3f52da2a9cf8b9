using Resorcerer.Profiler.Hosting;
using System.Text;
using Microsoft.Extensions.Options;
using Resorcerer.PrometheusApi;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Dashboard;

/// <summary>
/// The dashboard on the profiler's <c>--urls</c>: <c>/</c> (the workload table), <c>/workloads/NS/KIND/NAME</c> (one
/// workload) and its stylesheet. Everything is served from here, nothing from elsewhere (clusters are often
/// offline), and the Content-Security-Policy lets the pages load nothing but their own stylesheet.
/// </summary>
public static class DashboardEndpoints
{
    private const string Policy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapGet(DashboardStyle.Path, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=3600";
            return Results.Text(DashboardStyle.Css, "text/css", Encoding.UTF8);
        });

        app.MapGet("/", async (HttpContext context, DashboardReports reports, DashboardMetrics metrics, IOptions<ProfilerOptions> options, CancellationToken cancellationToken) =>
        {
            IResult Page(int status, string html) => Served(context, metrics, "index", status, html);
            var request = context.Request.Query;
            var query = DashboardQuery.Parse(request["namespace"], request["q"], request["status"], request["sort"], request["dir"], request["page"], out var problem);
            if (problem is not null)
            {
                return Page(StatusCodes.Status400BadRequest, DashboardHtml.Problem("Bad request", problem));
            }

            var (lines, at, failure) = await reports.ReadAsync(cancellationToken);
            return failure is not null
                ? Page(StatusCodes.Status503ServiceUnavailable, DashboardHtml.Problem("Cannot read the report", failure))
                : Page(StatusCodes.Status200OK, DashboardHtml.Index(query.Apply(lines!), lines!, at, options.Value.Prices));
        });

        app.MapGet("/workloads/{namespace}/{kind}/{name}", async (string @namespace, string kind, string name, HttpContext context, IProfileStore store,
            DashboardReports reports, UsageHistoryReader history, IUpdateLog updates, DashboardMetrics metrics, TimeProvider time, CancellationToken cancellationToken) =>
        {
            IResult Page(int status, string html) => Served(context, metrics, "workload", status, html);
            if (RequestArguments.WorkloadProblem(@namespace, kind, name) is { } problem)
            {
                return Page(StatusCodes.Status400BadRequest, DashboardHtml.Problem("Bad request", problem));
            }

            var workload = new WorkloadRef(@namespace, kind, name);
            Profiles.WorkloadProfile? profile;
            try
            {
                profile = await store.GetAsync(workload, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return Page(StatusCodes.Status503ServiceUnavailable, DashboardHtml.Problem("Cannot read the profile", $"Redis cannot be read: {RedisSettings.Describe(e)}"));
            }

            if (profile is null)
            {
                return Page(StatusCodes.Status404NotFound, DashboardHtml.Problem("No profile", $"no profile is stored for {workload}"));
            }

            var now = time.GetUtcNow();
            var (lines, _, _) = await reports.ReadAsync(cancellationToken);
            WorkloadHistory? usage = null;
            string? historyProblem = null;
            try
            {
                usage = await history.ReadAsync(profile, now, cancellationToken);
            }
            catch (Exception e) when (e is PrometheusException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                historyProblem = $"Prometheus answered: {e.Message}";
            }

            IReadOnlyList<UpdateRecord> recent = [];
            string? updatesProblem = null;
            try
            {
                recent = await updates.ReadAsync(workload, 20, cancellationToken);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                updatesProblem = $"The updater's actions cannot be read from Redis: {RedisSettings.Describe(e)}";
            }

            var mine = (lines ?? []).Where(l => l.Workload == workload).ToList();
            return Page(StatusCodes.Status200OK, DashboardHtml.Workload(new WorkloadPage(profile, mine, usage, historyProblem, recent, updatesProblem, now)));
        });
        return app;
    }

    private static IResult Served(HttpContext context, DashboardMetrics metrics, string page, int status, string html)
    {
        metrics.Page(page, status);
        context.Response.Headers.ContentSecurityPolicy = Policy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Text(html, "text/html", Encoding.UTF8, status);
    }
}
