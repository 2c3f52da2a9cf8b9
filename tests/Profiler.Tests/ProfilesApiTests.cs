using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests;

/// <summary>The stored profiles over a running profiler's HTTP API, from a real Redis.</summary>
public sealed class ProfilesApiTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static WorkloadProfile Profile(string ns, string kind, string name, long cpu)
    {
        var seen = new UsageSummary(1, 1, 1, 1, 1, 1000, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow);
        return new WorkloadProfile
        {
            Workload = new WorkloadRef(ns, kind, name),
            UpdatedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            Strategy = "resorcerer",
            Containers = new Dictionary<string, ContainerProfile> { ["app"] = new(new ResourceProfile(cpu, 1, cpu, seen), null) },
        };
    }

    [Fact]
    public async Task Profiles_are_listed_by_namespace_read_one_by_one_and_bad_requests_are_named()
    {
        await using (var connection = await redis.ConnectEmptiedAsync())
        {
            var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
            await store.PutAsync(Profile("shop", "Deployment", "web", 250), CancellationToken.None);
            await store.PutAsync(Profile("shop", "StatefulSet", "db", 1500), CancellationToken.None);
            await store.PutAsync(Profile("bank", "Deployment", "ledger", 40), CancellationToken.None);
        }

        var port = ServerProcess.FreePort();
        await using var profiler = BackgroundProgram.Start("resorcerer-profiler",
            ["--prometheus-url", "http://127.0.0.1:9", "--redis", redis.Redis.Configuration, "--namespaces", "none",
             "--urls", $"http://127.0.0.1:{port}", "--watcher-urls", ""]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await profiler.WaitUntilAsync(() => http.GetAsync("/healthz"));

        var all = JsonNode.Parse(await http.GetStringAsync("/api/v1/profiles"))!.AsArray();
        Assert.Equal(["bank/Deployment/ledger", "shop/Deployment/web", "shop/StatefulSet/db"],
            all.Select(p => ProfileJson.Deserialize(p!.ToJsonString()).Workload.ToString()));
        var shop = JsonNode.Parse(await http.GetStringAsync("/api/v1/profiles?namespace=shop"))!.AsArray();
        Assert.Equal(2, shop.Count);

        var db = ProfileJson.Deserialize(await http.GetStringAsync("/api/v1/profiles/shop/StatefulSet/db"));
        Assert.Equal(1500, db.Containers["app"].Cpu!.Target);

        foreach (var (path, status, message) in new[]
        {
            ("/api/v1/profiles/shop/Deployment/absent", HttpStatusCode.NotFound, "no profile is stored for shop/Deployment/absent"),
            ("/api/v1/profiles/Shop_1/Deployment/web", HttpStatusCode.BadRequest, "namespace 'Shop_1' is not a valid namespace name"),
            ("/api/v1/profiles/shop/deployment/web", HttpStatusCode.BadRequest, "kind 'deployment' is not a kind"),
            ("/api/v1/profiles/shop/Deployment/Web_App", HttpStatusCode.BadRequest, "name 'Web_App' is not a valid object name"),
            ("/api/v1/profiles?namespace=-x", HttpStatusCode.BadRequest, "namespace '-x' is not a valid namespace name"),
        })
        {
            using var response = await http.GetAsync(path);
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
