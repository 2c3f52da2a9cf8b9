using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Resorcerer.DevKit;
using Testcontainers.Redis;

namespace Resorcerer.TestSupport;

/// <summary>A real Redis for a test, whichever way it was started.</summary>
public interface IRedisUnderTest : IAsyncDisposable
{
    /// <summary>StackExchange.Redis configuration string.</summary>
    string Configuration { get; }

    /// <summary>How it runs: "container" or "binary".</summary>
    string How { get; }

    Task StopAsync();

    Task RestartAsync();

    /// <summary>Freezes the server: connections stay open, nothing is answered (SIGSTOP, or a paused container).</summary>
    Task PauseAsync();

    Task ResumeAsync();
}

/// <summary>A real Prometheus holding the given series.</summary>
public interface IPrometheusUnderTest : IAsyncDisposable
{
    Uri Url { get; }

    string How { get; }
}

/// <summary>
/// Starts the real servers tests need: in containers through Testcontainers where a Docker engine answers,
/// otherwise from the Debian binaries on free loopback ports. With neither, it fails and says how to get
/// one; it never skips.
/// </summary>
public static class TestServers
{
    private const string RedisImage = "redis:7.0";
    private const string PrometheusImage = "prom/prometheus:v2.42.0";

    public static async Task<IRedisUnderTest> StartRedisAsync()
    {
        if (await DockerAvailableAsync())
        {
            var container = new RedisBuilder(RedisImage).Build();
            await container.StartAsync();
            return new ContainerRedis(container);
        }

        try
        {
            return new BinaryRedis(await RedisServer.StartAsync());
        }
        catch (ServerUnavailableException e)
        {
            throw new InvalidOperationException(NeitherMessage("Redis", e.Message), e);
        }
    }

    public static async Task<IPrometheusUnderTest> StartPrometheusAsync(ClusterSeries series)
    {
        var directory = Directory.CreateTempSubdirectory("resorcerer-prometheus-").FullName;
        var input = await series.WriteOpenMetricsFileAsync(Path.Combine(directory, "series.om"));
        if (await DockerAvailableAsync())
        {
            // The image has promtool too: build the blocks, then serve them, in one container.
            var container = new ContainerBuilder(PrometheusImage)
                .WithBindMount(directory, "/input")
                .WithEntrypoint("/bin/sh", "-c")
                .WithCommand("promtool tsdb create-blocks-from openmetrics /input/series.om /prometheus && " +
                             "exec prometheus --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus " +
                             "--storage.tsdb.retention.time=30d --web.listen-address=0.0.0.0:9090")
                .WithPortBinding(9090, assignRandomHostPort: true)
                .WithWaitStrategy(Wait.ForUnixContainer().UntilHttpRequestIsSucceeded(r => r.ForPort(9090).ForPath("/-/ready")))
                .Build();
            await container.StartAsync();
            return new ContainerPrometheus(container, directory);
        }

        try
        {
            return new BinaryPrometheus(await PrometheusServer.StartAsync(input, directory));
        }
        catch (ServerUnavailableException e)
        {
            throw new InvalidOperationException(NeitherMessage("Prometheus", e.Message), e);
        }
    }

    private static string NeitherMessage(string server, string binaryProblem) =>
        $"No way to start a real {server} for the tests: no Docker engine answers for Testcontainers, and {binaryProblem}";

    private static bool? _dockerAvailable;

    private static async Task<bool> DockerAvailableAsync()
    {
        if (_dockerAvailable is { } known)
        {
            return known;
        }

        try
        {
            // Building a container asks Testcontainers to find a Docker endpoint; it throws when there is none.
            await using var probe = new ContainerBuilder("alpine:3").Build();
            _dockerAvailable = true;
        }
        catch (DockerUnavailableException)
        {
            _dockerAvailable = false;
        }

        return _dockerAvailable.Value;
    }

    private sealed class BinaryRedis(RedisServer server) : IRedisUnderTest
    {
        public string Configuration => server.Configuration;

        public string How => "binary";

        public Task StopAsync() => server.StopAsync();

        public Task RestartAsync() => server.RestartAsync();

        public Task PauseAsync()
        {
            server.Pause();
            return Task.CompletedTask;
        }

        public Task ResumeAsync()
        {
            server.Resume();
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }

    private sealed class ContainerRedis(RedisContainer container) : IRedisUnderTest
    {
        public string Configuration => container.GetConnectionString();

        public string How => "container";

        public Task StopAsync() => container.StopAsync();

        public Task RestartAsync() => container.StartAsync();

        public Task PauseAsync() => container.PauseAsync();

        public Task ResumeAsync() => container.UnpauseAsync();

        public ValueTask DisposeAsync() => container.DisposeAsync();
    }

    private sealed class BinaryPrometheus(PrometheusServer server) : IPrometheusUnderTest
    {
        public Uri Url => server.Url;

        public string How => "binary";

        public ValueTask DisposeAsync() => server.DisposeAsync();
    }

    private sealed class ContainerPrometheus(IContainer container, string directory) : IPrometheusUnderTest
    {
        public Uri Url => new($"http://{container.Hostname}:{container.GetMappedPublicPort(9090)}/");

        public string How => "container";

        public async ValueTask DisposeAsync()
        {
            await container.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }
}
