using System.Text;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Report;
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
            if (RequestArguments.NamespaceProblem(@namespace) is { } problem)
            {
                return Problem(StatusCodes.Status400BadRequest, problem);
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
            if (RequestArguments.WorkloadProblem(@namespace, kind, name) is { } problem)
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
            var problem = RequestArguments.NamespaceProblem(@namespace)
                ?? (!ReportFormats.Names.Contains(format) ? $"format '{RequestArguments.Shorten(format)}' is not one of {string.Join(", ", ReportFormats.Names)}"
                : !ReportFormats.Sorts.Contains(sort) ? $"sort '{RequestArguments.Shorten(sort)}' is not one of {string.Join(", ", ReportFormats.Sorts)}"
                : null);
            if (problem is not null)
            {
                return Problem(StatusCodes.Status400BadRequest, problem);
            }

            try
            {
                var now = time.GetUtcNow();
                var prices = options.Value.Prices;
                var report = ReportFormats.Sorted(await ReportLoader.LoadAsync(store, feed, running, usage, @namespace, now, prices, cancellationToken), sort);
                return Results.Text(ReportFormats.Write(report, format, now, prices), ReportFormats.ContentType(format), Encoding.UTF8);
            }
            catch (Exception e) when (ReportFailure.Describe(e, cancellationToken) is { } failure)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, failure);
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
}
