using System.Text;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Report;
using Resorcerer.PrometheusApi;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Hosting;

/// <summary>
/// The stored profiles over HTTP, as other tools read them: <c>GET /api/v1/profiles[?namespace=NS]</c> (a JSON
/// array of profiles, ordered by workload) and <c>GET /api/v1/profiles/NS/KIND/NAME</c> (one profile, the stored
/// JSON), and <c>GET /api/v1/report[?namespace=NS][&amp;format=F][&amp;sort=S]</c> in any of the report's formats
/// (JSON by default). Any replica answers, leader or not. A bad parameter gets 400, an unknown workload 404, Redis down 503.
/// </summary>
public static class ProfilesApi
{
    public static WebApplication MapProfilesApi(this WebApplication app)
    {
        app.MapGet("/api/v1/profiles", async (string? @namespace, IProfileStore store, IProfileFeed feed, CancellationToken cancellationToken) =>
        {
            if (@namespace is not null && !WorkloadNaming.IsNamespaceName(@namespace))
            {
                return Problem(StatusCodes.Status400BadRequest, $"namespace '{Shorten(@namespace)}' is not a valid namespace name");
            }

            return await FromRedisAsync(async () =>
            {
                var workloads = await store.ListAsync(@namespace, cancellationToken);
                var profiles = await feed.GetManyAsync(workloads, cancellationToken);
                var json = new StringBuilder("[");
                foreach (var profile in profiles.OfType<WorkloadProfile>())
                {
                    json.Append(json.Length > 1 ? "," : string.Empty).Append(ProfileJson.Serialize(profile));
                }

                return Results.Text(json.Append(']').ToString(), "application/json", Encoding.UTF8);
            });
        });

        app.MapGet("/api/v1/profiles/{namespace}/{kind}/{name}", async (string @namespace, string kind, string name, IProfileStore store, CancellationToken cancellationToken) =>
        {
            var problem = !WorkloadNaming.IsNamespaceName(@namespace) ? $"namespace '{Shorten(@namespace)}' is not a valid namespace name"
                : !WorkloadNaming.IsKind(kind) ? $"kind '{Shorten(kind)}' is not a kind as Kubernetes spells it (e.g. Deployment, StatefulSet)"
                : !WorkloadNaming.IsObjectName(name) ? $"name '{Shorten(name)}' is not a valid object name"
                : null;
            if (problem is not null)
            {
                return Problem(StatusCodes.Status400BadRequest, problem);
            }

            var workload = new WorkloadRef(@namespace, kind, name);
            return await FromRedisAsync(async () => await store.GetAsync(workload, cancellationToken) is { } profile
                ? Results.Text(ProfileJson.Serialize(profile), "application/json", Encoding.UTF8)
                : Problem(StatusCodes.Status404NotFound, $"no profile is stored for {workload}"));
        });
        app.MapGet("/api/v1/report", async (string? @namespace, string? format, string? sort, IProfileStore store, IProfileFeed feed, PrometheusUsageSource usage,
            RunningResources running, TimeProvider time, IOptions<ProfilerOptions> options, CancellationToken cancellationToken) =>
        {
            format ??= "json";
            sort ??= "savings";
            var problem = @namespace is not null && !WorkloadNaming.IsNamespaceName(@namespace) ? $"namespace '{Shorten(@namespace)}' is not a valid namespace name"
                : !ReportFormats.Names.Contains(format) ? $"format '{Shorten(format)}' is not one of {string.Join(", ", ReportFormats.Names)}"
                : !ReportFormats.Sorts.Contains(sort) ? $"sort '{Shorten(sort)}' is not one of {string.Join(", ", ReportFormats.Sorts)}"
                : null;
            if (problem is not null)
            {
                return Problem(StatusCodes.Status400BadRequest, problem);
            }

            try
            {
                var now = time.GetUtcNow();
                var prices = new Prices(options.Value.CpuPricePerCoreHour, options.Value.MemoryPricePerGibHour);
                var report = ReportFormats.Sorted(await ReportLoader.LoadAsync(store, feed, running, usage, @namespace, now, prices, cancellationToken), sort);
                return Results.Text(ReportFormats.Write(report, format, now, prices), ReportFormats.ContentType(format), Encoding.UTF8);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, $"the profiles cannot be read from Redis: {RedisSettings.Describe(e)}");
            }
            catch (Exception e) when (e is PrometheusException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, $"the running pods' requests cannot be read from Prometheus: {e.Message}");
            }
        });
        return app;
    }

    private static async Task<IResult> FromRedisAsync(Func<Task<IResult>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return Problem(StatusCodes.Status503ServiceUnavailable, $"the profiles cannot be read from Redis: {RedisSettings.Describe(e)}");
        }
    }

    private static IResult Problem(int status, string message) => Results.Text(message + "\n", "text/plain", Encoding.UTF8, status);

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
