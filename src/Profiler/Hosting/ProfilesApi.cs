using System.Text;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.Profiler.Report;
using Resorcerer.Profiler.Workloads;
using Resorcerer.PrometheusApi;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Hosting;

/// <summary>
/// The stored profiles over HTTP, as other tools read them: <c>GET /api/v1/profiles[?namespace=NS]</c> (a JSON
/// array of profiles, ordered by workload) and <c>GET /api/v1/profiles/NS/KIND/NAME</c> (one profile, the stored
/// JSON). Any replica answers, leader or not. A bad parameter gets 400, an unknown workload 404, Redis down 503.
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
        app.MapGet("/api/v1/report", async (string? @namespace, IProfileStore store, IProfileFeed feed, PrometheusUsageSource usage,
            RunningResources running, TimeProvider time, IOptions<ProfilerOptions> options, CancellationToken cancellationToken) =>
        {
            if (@namespace is not null && !WorkloadNaming.IsNamespaceName(@namespace))
            {
                return Problem(StatusCodes.Status400BadRequest, $"namespace '{Shorten(@namespace)}' is not a valid namespace name");
            }

            List<WorkloadProfile> profiles;
            try
            {
                var workloads = await store.ListAsync(@namespace, cancellationToken);
                profiles = (await feed.GetManyAsync(workloads, cancellationToken)).OfType<WorkloadProfile>().ToList();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, $"the profiles cannot be read from Redis: {RedisSettings.Describe(e)}");
            }

            try
            {
                var now = time.GetUtcNow();
                var namespaces = profiles.Select(p => p.Workload.Namespace).Distinct().Order(StringComparer.Ordinal).ToList();
                var pods = await running.ReadAsync(namespaces, now, cancellationToken);
                var owners = new OwnershipResolver(await usage.ReadOwnershipAsync(namespaces, new TimeWindow(now.AddHours(-1), now), cancellationToken));
                var prices = new Prices(options.Value.CpuPricePerCoreHour, options.Value.MemoryPricePerGibHour);
                var report = ReportBuilder.Build(profiles, pods, owners.WorkloadOf, prices);
                return Results.Json(new { generatedAt = now, prices, containers = report }, ReportJson);
            }
            catch (Exception e) when (e is PrometheusException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                return Problem(StatusCodes.Status503ServiceUnavailable, $"the running pods' requests cannot be read from Prometheus: {e.Message}");
            }
        });
        return app;
    }

    private static readonly System.Text.Json.JsonSerializerOptions ReportJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new WorkloadRefText() },
    };

    /// <summary>A workload as its text form, <c>namespace/Kind/name</c>.</summary>
    private sealed class WorkloadRefText : System.Text.Json.Serialization.JsonConverter<WorkloadRef>
    {
        public override WorkloadRef Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
            WorkloadRef.Parse(reader.GetString() ?? string.Empty);

        public override void Write(System.Text.Json.Utf8JsonWriter writer, WorkloadRef value, System.Text.Json.JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
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
