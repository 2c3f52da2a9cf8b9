using System.Net;
using Microsoft.Playwright;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's headless Chromium through Playwright), served by a running profiler
/// from the profiles a cycle wrote to a real Redis and the usage and requests in a real Prometheus. Each page's
/// screenshot is kept in artifacts/screenshots.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardBrowserTests(ClusterFixture cluster, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static readonly WorkloadRef Web = new("shop", "Deployment", "web");

    /// <summary>Runs a cycle, gives web connections and an updater action, and starts the profiler serving the dashboard.</summary>
    private async Task<(BackgroundProgram Profiler, string Origin, IReadOnlyList<WorkloadProfile> Profiles)> ServeAsync()
    {
        IReadOnlyList<WorkloadProfile> profiles;
        await using (var harness = new ProfilerHarness(cluster))
        {
            await harness.FlushRedisAsync();
            var written = (await harness.Cycle.RunAsync(CancellationToken.None)).Written;
            var web = written.Single(p => p.Workload == Web);
            var withPeers = web with
            {
                Connections = new ConnectionProfile(cluster.End.AddHours(-1), cluster.End,
                    [new ConnectionEdge(new WorkloadRef("shop", "StatefulSet", "db"), ConnectionEdge.Linkerd, 1200, 1500, 40_000, 52_000, 0.002)],
                    [new ConnectionEdge(new WorkloadRef("shop", "Deployment", "frontend"), ConnectionEdge.Linkerd, 900, 1100, 30_000, 41_000, 0),
                     new ConnectionEdge(ConnectionEdge.UnmeshedClients, ConnectionEdge.Linkerd, 30, 45, 1_000, 1_500, null)]),
            };
            await harness.Store.PutAsync(withPeers, CancellationToken.None);
            await new RedisUpdateLog(harness.Redis).RecordAsync("shop",
                [new UpdateRecord(cluster.End.ToUnixTimeSeconds(), Web.ToString(), "web-6c8d9f7b5-b4n8w", "resize", "outside_bounds", "done", "web: cpu request 500m -> 402m")],
                CancellationToken.None);
            profiles = [.. written.Where(p => p.Workload != Web).Append(withPeers)];
        }

        var port = ServerProcess.FreePort();
        var profiler = BackgroundProgram.Start("resorcerer-profiler",
            ["--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration, "--namespaces", "none",
             "--urls", $"http://127.0.0.1:{port}", "--watcher-urls", ""]);
        var origin = $"http://127.0.0.1:{port}";
        using var http = new HttpClient { BaseAddress = new Uri(origin) };
        await profiler.WaitUntilAsync(() => http.GetAsync("/healthz"));
        return (profiler, origin, profiles);
    }

    /// <summary>A page that records every request it makes.</summary>
    private static async Task<(IPage Page, List<string> Requests)> OpenAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => { lock (requests) { requests.Add(request.Url); } };
        return (page, requests);
    }

    /// <summary>Does what starts a navigation and waits until the page it leads to has loaded, so that nothing reads the page it left.</summary>
    private static async Task NavigateAsync(IPage page, Func<Task> action, Func<string, bool> arrived)
    {
        var waiting = page.WaitForURLAsync(arrived);
        await action();
        await waiting;
    }

    private static async Task<List<(string Workload, string Container, string CpuRec, string MemoryRec)>> RowsAsync(IPage page)
    {
        var rows = new List<(string, string, string, string)>();
        foreach (var row in await page.Locator("#workloads tbody tr[data-workload]").AllAsync())
        {
            rows.Add((await row.GetAttributeAsync("data-workload") ?? "", await row.GetAttributeAsync("data-container") ?? "",
                await row.Locator("td[data-column=cpu-rec]").InnerTextAsync(), await row.Locator("td[data-column=memory-rec]").InnerTextAsync()));
        }

        return rows;
    }

    [Fact]
    public async Task The_table_shows_the_stored_recommendations_sorts_and_filters_with_the_keyboard_and_loads_nothing_from_elsewhere()
    {
        var (profiler, origin, profiles) = await ServeAsync();
        await using var _ = profiler;
        await using var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        var (page, requests) = await OpenAsync(context);

        var response = await page.GotoAsync(origin + "/");
        Assert.Equal(200, response!.Status);
        Assert.Contains("default-src 'none'", (await response.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);

        // Every profiled container is a row, with exactly the recommendation stored in Redis.
        var expected = profiles.SelectMany(p => p.Containers.Select(c => (Workload: p.Workload.ToString(), Container: c.Key,
                CpuRec: c.Value.Cpu is { } cpu ? Quantity.FormatMillicores(cpu.Target) : "-", MemoryRec: c.Value.Memory is { } memory ? Quantity.FormatBytes(memory.Target) : "-")))
            .OrderBy(r => r.Workload + "/" + r.Container, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);
        var rows = await RowsAsync(page);
        Assert.Equal(expected, rows.OrderBy(r => r.Workload + "/" + r.Container, StringComparer.Ordinal));
        Assert.Contains(await page.Locator("nav.namespaces a").AllInnerTextsAsync(), t => t.StartsWith("shop", StringComparison.Ordinal));
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-index.png"), FullPage = true });

        // Sorting: a click on a column sorts by it, a second click turns the order round.
        await NavigateAsync(page, () => page.GetByRole(AriaRole.Link, new() { Name = "Workload", Exact = true }).ClickAsync(),
            url => url.Contains("sort=workload&dir=asc", StringComparison.Ordinal));
        var ascending = (await RowsAsync(page)).Select(r => r.Workload + "/" + r.Container).ToList();
        Assert.Equal(ascending.Order(StringComparer.Ordinal), ascending);
        Assert.Equal("ascending", await page.Locator("th[aria-sort]").GetAttributeAsync("aria-sort"));
        await NavigateAsync(page, () => page.GetByRole(AriaRole.Link, new() { Name = "Workload", Exact = true }).ClickAsync(),
            url => url.Contains("sort=workload&dir=desc", StringComparison.Ordinal));
        var descending = (await RowsAsync(page)).Select(r => r.Workload).ToList();
        Assert.Equal(descending.OrderDescending(StringComparer.Ordinal), descending);

        await NavigateAsync(page, () => page.GetByRole(AriaRole.Link, new() { Name = "CPU rec.", Exact = true }).ClickAsync(),
            url => url.Contains("sort=cpu-rec", StringComparison.Ordinal));
        var byCpu = (await RowsAsync(page)).Select(r => r.CpuRec == "-" ? -1 : Quantity.TryParseMillicores(r.CpuRec, out var m) ? m : -2).ToList();
        Assert.Equal(byCpu.OrderDescending(), byCpu);

        // Filtering with the keyboard only: the skip link comes first, then the filter is typed into and sent with Enter.
        await page.GotoAsync(origin + "/");
        Assert.Equal(origin + "/", page.Url);
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        var filter = page.Locator("#q");
        await filter.PressSequentiallyAsync("postgres");
        await NavigateAsync(page, () => filter.PressAsync("Enter"), url => url.Contains("q=postgres", StringComparison.Ordinal));
        var filtered = await RowsAsync(page);
        Assert.Equal([("shop/StatefulSet/db", "postgres")], filtered.Select(r => (r.Workload, r.Container)));
        await page.SelectOptionAsync("#status", "risk");
        await NavigateAsync(page, () => page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync(),
            url => url.Contains("status=risk", StringComparison.Ordinal));
        Assert.Contains("Nothing matches", await page.Locator("#workloads tbody").InnerTextAsync(), StringComparison.Ordinal);

        lock (requests)
        {
            Assert.NotEmpty(requests);
            Assert.All(requests, url => Assert.StartsWith(origin + "/", url, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_workload_page_draws_usage_against_request_and_recommendation_with_its_policy_peers_and_updates()
    {
        var (profiler, origin, profiles) = await ServeAsync();
        await using var _ = profiler;
        var web = profiles.Single(p => p.Workload == Web);
        await using var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1366, Height = 900 } });
        var (page, requests) = await OpenAsync(context);

        await page.GotoAsync(origin + "/?q=shop/Deployment/web");
        await NavigateAsync(page, () => page.GetByRole(AriaRole.Link, new() { Name = "shop/Deployment/web" }).First.ClickAsync(),
            url => url.EndsWith("/workloads/shop/Deployment/web", StringComparison.Ordinal));
        Assert.Equal("Deployment web in shop", await page.Locator("h1").InnerTextAsync());

        foreach (var container in new[] { "proxy", "web" })
        {
            var section = page.Locator($"section[data-container={container}]");
            var plots = section.Locator("svg.plot");
            Assert.Equal(2, await plots.CountAsync());
            foreach (var (plot, resource, unit) in new[] { (plots.Nth(0), web.Containers[container].Cpu!, 1000.0), (plots.Nth(1), web.Containers[container].Memory!, 1024.0 * 1024) })
            {
                // Usage drawn: a p95 path with several points, laid out wide on the page.
                var p95 = plot.Locator("path[data-series=p95]");
                Assert.True((await p95.GetAttributeAsync("d"))!.Split('L').Length >= 3, "the p95 path has several points");
                var box = await p95.BoundingBoxAsync();
                Assert.True(box is { Width: > 300 }, $"the p95 path of {container} is drawn across the plot ({box?.Width})");
                // The request now and the stored recommendation are lines at their values, on the usage's scale:
                // every container here uses less than it requests, so the whole path lies below the request's line.
                var request = plot.Locator("line[data-level=request]");
                Assert.Equal(1, await request.CountAsync());
                var requestY = double.Parse((await request.GetAttributeAsync("y1"))!, System.Globalization.CultureInfo.InvariantCulture);
                var highest = (await plot.Locator("path[data-series=max]").GetAttributeAsync("d"))!.Split(' ', 'M', 'L').Where(p => p.Contains(',', StringComparison.Ordinal))
                    .Min(p => double.Parse(p.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(highest > requestY, $"{container}: the highest usage (y {highest}) is drawn below the request (y {requestY})");
                var recommended = double.Parse((await plot.Locator("line[data-level=recommended]").GetAttributeAsync("data-value"))!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(resource.Target / unit, recommended, 9);
                Assert.Equal(1, await plot.Locator("line[data-level=upper]").CountAsync());
            }
        }

        Assert.Equal(Quantity.FormatMillicores(web.Containers["web"].Cpu!.Target),
            await page.Locator("section[data-container=web] tr[data-resource=cpu] td[data-column=recommended]").InnerTextAsync());
        Assert.Contains("Initial", await page.Locator("#policy + dl").InnerTextAsync(), StringComparison.Ordinal);
        // What the recommendation would have meant over the history: web never peaked above 477m or 199Mi, nor above 500m or 256Mi now.
        async Task<int> HoursAsync(int plot) => (await page.Locator("section[data-container=web] svg.plot").Nth(plot).Locator("path[data-series=max]").GetAttributeAsync("d"))!
            .Count(c => c is 'M' or 'L');
        var (cpuHours, memoryHours) = (await HoursAsync(0), await HoursAsync(1));
        Assert.Equal($"With the recommendation: CPU above the request in 0 of {cpuHours} hours, memory above the request in 0 of {memoryHours} hours, above the limit (OOM-killed) in 0 of {memoryHours} hours.",
            await page.Locator("section[data-container=web] [data-hindsight=recommended]").InnerTextAsync());
        Assert.StartsWith($"With the requests now: CPU above the request in 0 of {cpuHours} hours", await page.Locator("section[data-container=web] [data-hindsight=now]").InnerTextAsync(), StringComparison.Ordinal);

        // The service graph around it: its callers and callees as nodes, profiled peers as links to their pages.
        var graph = page.Locator("svg.graph");
        Assert.Equal(4, await graph.Locator("g.node").CountAsync());
        Assert.Equal(2, await graph.Locator("a").CountAsync());
        Assert.Contains("shop/StatefulSet/db", await page.Locator("table.edges").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("cpu request 500m -> 402m", await page.Locator("table.updates").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ChromiumFixture.Screenshots, "dashboard-workload.png"), FullPage = true });

        // A peer's link opens its page; the stylesheet came from the profiler, nothing from elsewhere.
        await NavigateAsync(page, () => graph.Locator("a").First.ClickAsync(),
            url => url.Contains("/workloads/shop/", StringComparison.Ordinal) && !url.EndsWith("/web", StringComparison.Ordinal));
        lock (requests)
        {
            Assert.Contains(origin + "/dashboard.css", requests);
            Assert.All(requests, url => Assert.StartsWith(origin + "/", url, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Bad_addresses_get_a_page_that_names_the_problem()
    {
        var (profiler, origin, _) = await ServeAsync();
        await using var _ = profiler;
        using var http = new HttpClient { BaseAddress = new Uri(origin) };
        foreach (var (path, status, message) in new[]
        {
            ("/?sort=colour", HttpStatusCode.BadRequest, "sort 'colour' is not one of workload, container"),
            ("/?page=0", HttpStatusCode.BadRequest, "page '0' is not a page number"),
            ("/?status=fine", HttpStatusCode.BadRequest, "status 'fine' is not one of waste, risk, ok, unset"),
            ("/?namespace=Not_Valid", HttpStatusCode.BadRequest, "namespace 'Not_Valid' is not a valid namespace name"),
            ("/workloads/shop/Deployment/absent", HttpStatusCode.NotFound, "no profile is stored for shop/Deployment/absent"),
            ("/workloads/shop/deployment/web", HttpStatusCode.BadRequest, "kind 'deployment' is not a kind"),
        })
        {
            using var answer = await http.GetAsync(path);
            Assert.Equal((path, status), (path, answer.StatusCode));
            Assert.Contains(WebUtility.HtmlEncode(message), await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A page past the end shows the last one.
        var last = await http.GetStringAsync("/?page=99");
        Assert.Contains("page 1 of 1", last, StringComparison.Ordinal);

        // An operator sees them counted.
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("resorcerer_dashboard_pages_total{page=\"index\",status=\"400\"} 4", metrics, StringComparison.Ordinal);
        Assert.Contains("resorcerer_dashboard_pages_total{page=\"workload\",status=\"404\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("resorcerer_dashboard_pages_total{page=\"index\",status=\"200\"} 1", metrics, StringComparison.Ordinal);
    }
}
