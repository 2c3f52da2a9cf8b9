using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Webhook.Tests.Admission;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Tests.Profiles;

/// <summary>The running webhook's profiles: loaded before it is ready, then kept in step with Redis.</summary>
public sealed class ProfileSyncTests : IAsyncLifetime
{
    private IRedisUnderTest _redis = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisProfileStore _store = null!;

    public async Task InitializeAsync()
    {
        _redis = await TestServers.StartRedisAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        _store = new RedisProfileStore(_connection, NullLogger<RedisProfileStore>.Instance);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static string PodOf(string workload) =>
        Reviews.NewDeploymentPod.Replace("web-7d4b9c8f6d", $"{workload}-7d4b9c8f6d", StringComparison.Ordinal);

    private static async Task<JsonNode> AdmitAsync(WebhookServer webhook, string workload, string uid)
    {
        using var response = await webhook.PostAsync(Reviews.For(PodOf(workload), uid: uid));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
    }

    [Fact]
    public async Task The_first_admission_after_ready_gets_its_patch_every_time()
    {
        for (var i = 0; i < 300; i++)
        {
            await _store.PutAsync(ProfileMirrorTests.Profile("shop", $"web{i}"), CancellationToken.None);
        }

        for (var start = 0; start < 3; start++)
        {
            await using var webhook = await WebhookServer.StartAsync(_redis.Configuration);
            await webhook.WaitUntilReadyAsync();

            var answer = await AdmitAsync(webhook, $"web{start * 100 + 7}", $"cold-{start}");

            Assert.True(answer["patch"] is not null, $"start {start}: the first admission got no patch: {answer["warnings"]}");
        }
    }

    [Fact]
    public async Task A_profile_written_changed_and_removed_shows_up_in_the_running_webhook()
    {
        await using var webhook = await WebhookServer.StartAsync(_redis.Configuration, "--sync-interval", "200ms");
        await webhook.WaitUntilReadyAsync();
        var web = new WorkloadRef("shop", "Deployment", "web");
        var mirror = webhook.Services.GetRequiredService<Webhook.Profiles.ProfileMirror>();

        await _store.PutAsync(ProfileMirrorTests.Profile("shop", "web", cpu: 300), CancellationToken.None);
        await webhook.WaitUntilServedAsync(web);
        Assert.Contains("\"300m\"", (await AdmitAsync(webhook, "web", "written"))["patch"] is { } patch ? DecodedPatch(patch) : "", StringComparison.Ordinal);

        await _store.PutAsync(ProfileMirrorTests.Profile("shop", "web", cpu: 450), CancellationToken.None);
        await Eventually.HoldsAsync(() => Task.FromResult(mirror.Get(web).Profile?.Containers["web"].Cpu?.Target == 450), "the changed profile to be served");

        await _store.DeleteAsync(web, CancellationToken.None);
        await Eventually.HoldsAsync(() => Task.FromResult(mirror.Get(web).Status == Webhook.Profiles.LookupStatus.NotFound), "the removed profile to be gone");
        Assert.Null((await AdmitAsync(webhook, "web", "removed"))["patch"]);
    }

    [Fact]
    public async Task A_change_announced_on_pub_sub_arrives_without_waiting_for_the_interval()
    {
        // An interval far longer than the test: only the notification can bring the profile in.
        await using var webhook = await WebhookServer.StartAsync(_redis.Configuration, "--sync-interval", "10m");
        await webhook.WaitUntilReadyAsync();

        await _store.PutAsync(ProfileMirrorTests.Profile("shop", "announced"), CancellationToken.None);

        await webhook.WaitUntilServedAsync(new WorkloadRef("shop", "Deployment", "announced"));
    }

    [Fact]
    public async Task With_redis_frozen_at_start_it_is_not_ready_until_the_profiles_are_loaded()
    {
        await _store.PutAsync(ProfileMirrorTests.Profile("shop", "web"), CancellationToken.None);
        await _redis.PauseAsync();
        try
        {
            await using var webhook = await WebhookServer.StartAsync(_redis.Configuration, "--max-start-wait", "1h", "--redis-timeout", "200ms");
            using (var notReady = await webhook.Client.GetAsync("/readyz"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
                Assert.Contains("loading the profiles from Redis", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            var early = await AdmitAsync(webhook, "web", "early");
            Assert.True(early["allowed"]!.GetValue<bool>());
            Assert.Null(early["patch"]);
            Assert.Contains("not loaded the profiles", early["warnings"]![0]!.GetValue<string>(), StringComparison.Ordinal);

            await _redis.ResumeAsync();
            await webhook.WaitUntilReadyAsync();
            Assert.NotNull((await AdmitAsync(webhook, "web", "loaded"))["patch"]);
        }
        finally
        {
            await _redis.ResumeAsync();
        }
    }

    [Fact]
    public async Task Past_max_start_wait_without_redis_it_is_ready_and_admits_pods_unchanged()
    {
        await _redis.StopAsync();
        await using var webhook = await WebhookServer.StartAsync(_redis.Configuration, "--max-start-wait", "0s");

        using var ready = await webhook.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("not loaded from Redis yet", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var answer = await AdmitAsync(webhook, "web", "no-redis");
        Assert.True(answer["allowed"]!.GetValue<bool>());
        Assert.Null(answer["patch"]);

        var metrics = await (await webhook.Client.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("resorcerer_webhook_profiles_loaded 0", metrics, StringComparison.Ordinal);
        Assert.Contains("resorcerer_webhook_admissions_total{outcome=\"unchanged\",reason=\"profiles_not_loaded\"} 1", metrics, StringComparison.Ordinal);
    }

    private static string DecodedPatch(JsonNode patch) =>
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(patch.GetValue<string>()));
}
