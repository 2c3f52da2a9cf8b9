using k8s.Models;
using Resorcerer.TestSupport;

namespace Resorcerer.Profiler.Tests;

[Collection(ClusterCollection.Name)]
public sealed class ProfilerProgramTests(ClusterFixture cluster)
{
    private const string Program = "resorcerer-profiler";

    [Fact]
    public async Task Once_profiles_prints_the_profiles_and_exits_zero()
    {
        await using (var harness = new ProfilerHarness(cluster))
        {
            await harness.FlushRedisAsync(); // no cursors or checkpoints: a first start
        }

        var result = await ProgramRun.RunAsync(Program,
            ["--once", "--namespaces", "shop", "--history", "12h"],
            new Dictionary<string, string>
            {
                // Settings from the environment work like flags.
                ["RESORCERER_PROMETHEUS_URL"] = cluster.Prometheus.Url.ToString(),
                ["RESORCERER_REDIS"] = cluster.Redis.Configuration,
            });

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("shop/Deployment/web", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("4 profile(s) written", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_namespaces_the_labelled_ones_are_found_through_the_kubernetes_api()
    {
        await using (var harness = new ProfilerHarness(cluster))
        {
            await harness.FlushRedisAsync();
        }

        await using var api = await FakeKubernetesApi.StartAsync();
        api.Serve("/api/v1/namespaces", new V1NamespaceList
        {
            ApiVersion = "v1",
            Kind = "NamespaceList",
            Items = [new V1Namespace { Metadata = new V1ObjectMeta { Name = "other" } }],
        });
        // KUBECONFIG lists several files, as kubectl users have it: a missing one, the one naming the current context,
        // and one with another cluster. They merge, the first mention of a name winning.
        var directory = Directory.CreateTempSubdirectory("kubeconfig-").FullName;
        var (missing, first, second) = (Path.Combine(directory, "missing"), Path.Combine(directory, "first"), Path.Combine(directory, "second"));
        await File.WriteAllTextAsync(first, $$$"""
            apiVersion: v1
            kind: Config
            clusters: [{name: fake, cluster: {server: "{{{api.Url}}}"}}]
            users: [{name: fake, user: {token: test}}]
            contexts: [{name: fake, context: {cluster: fake, user: fake}}]
            current-context: fake
            """);
        await File.WriteAllTextAsync(second, """
            apiVersion: v1
            kind: Config
            clusters: [{name: elsewhere, cluster: {server: "http://127.0.0.1:9"}}]
            users: [{name: elsewhere, user: {token: other}}]
            contexts: [{name: elsewhere, context: {cluster: elsewhere, user: elsewhere}}]
            current-context: elsewhere
            """);

        var result = await ProgramRun.RunAsync(Program,
            ["--once", "--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration, "--history", "12h"],
            new Dictionary<string, string> { ["KUBECONFIG"] = string.Join(Path.PathSeparator, missing, first, second) });
        Directory.Delete(directory, recursive: true);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("other/Deployment/elsewhere", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("shop/", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(api.Requests, r => r.Contains("labelSelector", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_namespaces_or_any_kubeconfig_it_says_what_to_give()
    {
        var home = Directory.CreateTempSubdirectory("home-").FullName;
        var result = await ProgramRun.RunAsync(Program,
            ["--once", "--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration],
            new Dictionary<string, string> { ["KUBECONFIG"] = "", ["HOME"] = home, ["KUBERNETES_SERVICE_HOST"] = "" });
        Directory.Delete(home, recursive: true);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no in-cluster service account and no kubeconfig", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Give --namespaces or set KUBECONFIG.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_port_in_use_exits_two_naming_urls()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        var result = await ProgramRun.RunAsync(Program,
            ["--namespaces", "shop", "--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", cluster.Redis.Configuration, "--urls", $"http://127.0.0.1:{port}",
             "--watcher-urls", ""]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--urls 'http://127.0.0.1:{port}': the address is already in use", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal); // no stack trace
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Readyz_answers_503_until_a_cycle_has_succeeded(bool prometheusAnswers)
    {
        await using (var harness = new ProfilerHarness(cluster))
        {
            await harness.FlushRedisAsync();
        }

        var port = DevKit.ServerProcess.FreePort();
        var prometheus = prometheusAnswers ? cluster.Prometheus.Url.ToString() : "http://127.0.0.1:9";
        await using var profiler = BackgroundProgram.Start(Program,
            ["--namespaces", "shop", "--prometheus-url", prometheus, "--redis", cluster.Redis.Configuration,
             "--history", "12h", "--retries", "0", "--urls", $"http://127.0.0.1:{port}", "--watcher-urls", ""]);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await profiler.WaitUntilAsync(() => client.GetAsync("/healthz"));

        var expected = prometheusAnswers ? "ok: last successful cycle at " : "not ready: no successful cycle yet; the last cycle failed: cannot reach Prometheus";
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await client.GetAsync("/readyz");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode == body.StartsWith("ok: ", StringComparison.Ordinal), $"{(int)response.StatusCode}: {body}");
            return body.StartsWith(expected, StringComparison.Ordinal);
        }, $"/readyz to answer '{expected}...'");
    }

    [Fact]
    public async Task A_wrong_redis_password_is_said_to_be_one()
    {
        // A Redis of its own that wants a password (the shared one must stay open to the other tests).
        await using var redis = await TestServers.StartRedisAsync();
        await using (var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true"))
        {
            await admin.GetDatabase().ExecuteAsync("CONFIG", "SET", "requirepass", "right");
        }

        var result = await ProgramRun.RunAsync(Program,
            ["--once", "--namespaces", "shop", "--prometheus-url", cluster.Prometheus.Url.ToString(),
             "--redis", redis.Configuration + ",password=wrong,connectTimeout=2000"]);

        Assert.Equal(1, result.ExitCode);
        Assert.True(result.Stderr.Contains("Redis refused the credentials", StringComparison.Ordinal), result.Stderr);
        Assert.DoesNotContain("wrong", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_redis_fails_with_a_clear_message()
    {
        var result = await ProgramRun.RunAsync(Program,
            ["--once", "--namespaces", "shop", "--prometheus-url", cluster.Prometheus.Url.ToString(), "--redis", "127.0.0.1:9,connectTimeout=1000"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot use Redis", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_prometheus_is_retried_then_fails_with_a_clear_message()
    {
        var result = await ProgramRun.RunAsync(Program,
            ["--once", "--namespaces", "shop", "--prometheus-url", "http://127.0.0.1:9", "--redis", cluster.Redis.Configuration,
             "--retries", "2", "--retry-delay", "50ms"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot reach Prometheus at http://127.0.0.1:9/", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("(attempt 2 of 3)", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--once" }, "--prometheus-url is required")]
    [InlineData(new[] { "--prometheus-url", "http://p", "--redis", "r:6379", "--history", "1h", "--min-history", "3h" }, "--min-history 3h is longer than --history 1h")]
    [InlineData(new[] { "--prometheus-url", "http://p", "--redis", "r:6379", "--interval", "soon" }, "--interval: 'soon' is not a duration")]
    [InlineData(new[] { "--nope" }, "unknown option --nope")]
    [InlineData(new[] { "--prometheus-url", "http://p", "--redis", "r:6379", "--node-label", "node-name" }, "--node-label 'node-name' is not a Prometheus label name")]
    [InlineData(new[] { "--prometheus-url", "http://p", "--redis", "r:6379", "--watcher-urls", "tcp://0.0.0.0:2020" }, "--watcher-urls: 'tcp://0.0.0.0:2020' is not an http:// or https:// URL")]
    [InlineData(new[] { "--prometheus-url", "http://p", "--redis", "r:6379", "--watcher-refresh", "1s" }, "--watcher-refresh 1s is out of range")]
    public async Task Bad_settings_exit_two_naming_the_setting(string[] args, string expected)
    {
        var result = await ProgramRun.RunAsync(Program, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_explains_every_option()
    {
        var result = await ProgramRun.RunAsync(Program, ["--help"]);

        Assert.Equal(0, result.ExitCode);
        foreach (var option in ProfilerCli.Options)
        {
            Assert.Contains("--" + option.Name, result.Stdout, StringComparison.Ordinal);
        }
    }
}
