using Resorcerer.Profiler.Hosting;
namespace Resorcerer.Profiler.NodeLoad;

/// <summary>The load watcher's API: <c>GET /watcher[?host=NODE]</c> and <c>GET /watcher/health</c>, answered from memory.</summary>
public static class NodeLoadEndpoints
{
    public static WebApplication MapNodeLoadEndpoints(this WebApplication app)
    {
        var watcher = app.Services.GetRequiredService<NodeLoadWatcher>();
        app.MapGet("/watcher", (string? host) =>
        {
            if (watcher.Current is not { } served)
            {
                return Results.Text("no node load yet: the first refresh from Prometheus has not completed\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
            }

            if (string.IsNullOrEmpty(host))
            {
                return Results.Bytes(served.AllNodes, "application/json");
            }

            return served.Window.Nodes.ContainsKey(host)
                ? Results.Bytes(WatcherJson.Write(served.Window, host), "application/json")
                : Results.Text($"no node load for host '{RequestArguments.Shorten(host)}'\n", "text/plain", statusCode: StatusCodes.Status404NotFound);
        });
        app.MapGet("/watcher/health", () => watcher.Current is null
            ? Results.Text("no node load yet\n", "text/plain", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("OK\n", "text/plain"));
        return app;
    }
}
