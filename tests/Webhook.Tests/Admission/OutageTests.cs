using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Webhook.Tls;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Tests.Admission;

/// <summary>Redis going away mid-run, and certificates renewed under a running server.</summary>
public sealed class OutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2); // the chart's timeout is 5 s
    private IRedisUnderTest _redis = null!;

    public async Task InitializeAsync() => _redis = await TestServers.StartRedisAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    private async Task StoreProfilesAsync(int count)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.Configuration);
        var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
        var seen = new UsageSummary(1, 1, 1, 1, 1, 1000, DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow);
        for (var i = 0; i < count; i++)
        {
            await store.PutAsync(new WorkloadProfile
            {
                Workload = new WorkloadRef("shop", "Deployment", $"web{i}"),
                UpdatedAt = DateTimeOffset.UtcNow,
                Strategy = "resorcerer",
                Containers = new Dictionary<string, ContainerProfile> { ["web"] = new(new ResourceProfile(250, 1, 1, seen), null) },
            }, CancellationToken.None);
        }
    }

    private static string PodOf(int workload) => Reviews.NewDeploymentPod
        .Replace("web-7d4b9c8f6d", $"web{workload}-7d4b9c8f6d", StringComparison.Ordinal);

    [Fact]
    public async Task With_redis_stopped_mid_run_every_admission_is_still_patched_from_memory_within_the_budget()
    {
        const int Workloads = 40;
        await StoreProfilesAsync(Workloads);
        await using var webhook = await WebhookServer.StartAsync(_redis.Configuration, "--sync-interval", "200ms");
        await webhook.WaitUntilReadyAsync();

        var answers = new List<(TimeSpan Elapsed, bool Patched, bool Allowed, string? Warning)>();
        async Task RoundAsync(int round)
        {
            await Task.WhenAll(Enumerable.Range(0, Workloads).Select(async i =>
            {
                var clock = Stopwatch.StartNew();
                using var response = await webhook.PostAsync(Reviews.For(PodOf(i), uid: $"{round}-{i}"));
                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
                lock (answers)
                {
                    answers.Add((clock.Elapsed, answer["patch"] is not null, response.StatusCode == HttpStatusCode.OK && answer["allowed"]!.GetValue<bool>(),
                        answer["warnings"]?[0]?.GetValue<string>()));
                }
            }));
        }

        // Warm-up, not measured: JIT and the TLS handshakes. Ready means loaded, so every pod is patched from the start.
        await RoundAsync(0);
        Assert.True(answers.All(a => a.Patched), "profiles were not served once ready: " + string.Join("; ", answers.Select(a => a.Warning).Distinct()));
        answers.Clear();

        await _redis.StopAsync();
        for (var round = 1; round <= 3; round++)
        {
            await RoundAsync(round);
        }

        // A new profile written while the webhook was cut off is served once Redis is back.
        await _redis.RestartAsync();
        await StoreProfilesAsync(Workloads + 1);
        await webhook.WaitUntilServedAsync(new WorkloadRef("shop", "Deployment", $"web{Workloads}"));
        using var late = await webhook.PostAsync(Reviews.For(PodOf(Workloads), uid: "back"));

        Assert.All(answers, a => Assert.True(a.Allowed));
        Assert.All(answers, a => Assert.True(a.Patched, $"a pod was not patched while Redis was down: {a.Warning}"));
        Assert.All(answers, a => Assert.True(a.Elapsed < Budget, $"an admission took {a.Elapsed.TotalMilliseconds:0} ms"));
        Assert.NotNull(JsonNode.Parse(await late.Content.ReadAsStringAsync())!["response"]!["patch"]);
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_without_a_restart()
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-renewal-").FullName;
        var (cert, key, first) = DevCertificates.Write(directory, "first");
        var app = WebhookProgram.Build(
            ["--redis", _redis.Configuration, "--tls-cert", cert, "--tls-key", key, "--urls", "https://127.0.0.1:0", "--tls-reload-interval", "200ms"],
            out _)!;
        await app.StartAsync();
        try
        {
            var url = new Uri(app.Urls.First());
            Assert.Equal(first.Thumbprint, await ServedThumbprintAsync(url));

            // cert-manager renews: new files in place of the old ones.
            var (_, _, second) = DevCertificates.Write(Path.Combine(directory, "next"), "second");
            File.Copy(Path.Combine(directory, "next", "tls.key"), key, overwrite: true);
            File.Copy(Path.Combine(directory, "next", "tls.crt"), cert, overwrite: true);

            string? served = null;
            for (var attempt = 0; attempt < 50 && served != second.Thumbprint; attempt++)
            {
                await Task.Delay(100);
                served = await ServedThumbprintAsync(url);
            }

            Assert.Equal(second.Thumbprint, served);
            Assert.True(app.Services.GetRequiredService<CertificateProvider>().Current.Thumbprint == second.Thumbprint);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<string?> ServedThumbprintAsync(Uri url)
    {
        string? thumbprint = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => { thumbprint = (presented as X509Certificate2)?.Thumbprint ?? presented?.GetCertHashString(); return true; } },
            PooledConnectionLifetime = TimeSpan.Zero,
        });
        using var response = await client.GetAsync(new Uri(url, "/healthz"));
        return thumbprint;
    }
}
