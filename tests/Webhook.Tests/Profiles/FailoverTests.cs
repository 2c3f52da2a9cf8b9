using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.Storage;
using Resorcerer.TestSupport.Redis;
using Resorcerer.Webhook.Tests.Admission;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Tests.Profiles;

/// <summary>A Redis master killed while pods are admitted: Sentinel and Cluster.</summary>
public sealed class FailoverTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2); // the chart's webhook timeout is 5 s

    [Theory]
    [InlineData("sentinel")]
    [InlineData("cluster")]
    public async Task Killing_the_master_under_admission_load_fails_no_admission_and_the_webhook_follows_the_new_master(string kind)
    {
        const int Workloads = 20;
        await using var topology = await RedisTopology.StartAsync(kind);
        await using var writer = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(topology.Configuration));
        var store = new RedisProfileStore(writer, NullLogger<RedisProfileStore>.Instance);
        for (var i = 0; i < Workloads; i++)
        {
            await store.PutAsync(ProfileMirrorTests.Profile("shop", $"web{i}"), CancellationToken.None);
        }

        await RedisFailover.ReplicatedAsync(writer, RedisKeys.ProfileIndex("shop"));
        await using var webhook = await WebhookServer.StartAsync(topology.Configuration, "--sync-interval", "200ms");
        await webhook.WaitUntilReadyAsync();

        // Warm-up, not measured: JIT and the connection's TLS handshake.
        for (var i = 0; i < Workloads; i++)
        {
            using var warm = await webhook.PostAsync(Reviews.For(Reviews.NewDeploymentPod.Replace("web-7d4b9c8f6d", $"web{i}-7d4b9c8f6d", StringComparison.Ordinal), uid: $"warm-{i}"));
        }

        var run = Stopwatch.StartNew();
        var killedAt = TimeSpan.Zero;
        var answers = new List<(TimeSpan Elapsed, bool Allowed, bool Patched, TimeSpan At)>();
        using var stop = new CancellationTokenSource();
        async Task AdmitUntilStoppedAsync(int lane)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var pod = Reviews.NewDeploymentPod.Replace("web-7d4b9c8f6d", $"web{(lane + n) % Workloads}-7d4b9c8f6d", StringComparison.Ordinal);
                var at = run.Elapsed;
                var clock = Stopwatch.StartNew();
                using var response = await webhook.PostAsync(Reviews.For(pod, uid: $"{lane}-{n}"));
                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["response"]!;
                lock (answers)
                {
                    answers.Add((clock.Elapsed, response.StatusCode == HttpStatusCode.OK && answer["allowed"]!.GetValue<bool>(), answer["patch"] is not null, at));
                }
            }
        }

        var load = Enumerable.Range(0, 8).Select(AdmitUntilStoppedAsync).ToList();
        await Task.Delay(500); // admissions before the kill, too (the load runs on its own; nothing waits on this delay)
        killedAt = run.Elapsed;
        await topology.KillMasterAndWaitForFailoverAsync(RedisKeys.ProfileIndex("shop"));

        // The profiler writes to the new master; the webhook hears of it there.
        await RedisFailover.UntilWrittenAsync(() => store.PutAsync(ProfileMirrorTests.Profile("shop", "after-failover"), CancellationToken.None));
        await webhook.WaitUntilServedAsync(new WorkloadRef("shop", "Deployment", "after-failover"));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.NotEmpty(answers);
        var slowest = answers.MaxBy(a => a.Elapsed);
        output.WriteLine($"{kind}: {answers.Count} admissions, {answers.Count(a => a.Patched)} patched, slowest {slowest.Elapsed.TotalMilliseconds:0} ms");
        Assert.All(answers, a => Assert.True(a.Allowed));
        Assert.All(answers, a => Assert.True(a.Patched, "a pod was admitted unchanged during the failover"));
        Assert.True(slowest.Elapsed < Budget,
            $"{kind}: the slowest of {answers.Count} admissions took {slowest.Elapsed.TotalMilliseconds:0} ms, sent {(slowest.At - killedAt).TotalMilliseconds:0} ms after the kill");
    }
}
