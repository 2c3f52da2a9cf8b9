using System.Collections.Concurrent;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Resorcerer.Hosting;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Updater.Hosting;
using Resorcerer.Updater.Kubernetes;
using Resorcerer.Updater.Updating;
using Resorcerer.Updater.Usage;
using StackExchange.Redis;

namespace Resorcerer.Updater.Tests;

/// <summary>A clock the test moves; timers and timestamps pass through to the system's.</summary>
public sealed class TestClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}

/// <summary>
/// The updater as the program composes it (its own service registrations), talking HTTP to a fake API server
/// and to a real Redis; the test runs its passes one at a time and moves its clock.
/// </summary>
public sealed class UpdaterHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watching;
    private readonly IConnectionMultiplexer _redis;

    private UpdaterHarness(FakeKubernetesApi api, ServiceProvider services, IConnectionMultiplexer redis, TestClock clock, ConcurrentQueue<string> logs)
    {
        Api = api;
        _services = services;
        _redis = redis;
        Clock = clock;
        Logs = logs;
        _watching = services.GetRequiredService<PodWatch>().RunAsync(_stop.Token);
    }

    public FakeKubernetesApi Api { get; }

    public FakePods Pods => Api.Pods;

    public TestClock Clock { get; }

    /// <summary>What the updater logged, one line per entry ("Level: message").</summary>
    public ConcurrentQueue<string> Logs { get; }

    public WorkloadTracker Tracker => _services.GetRequiredService<WorkloadTracker>();

    public static async Task<UpdaterHarness> StartAsync(IRedisUnderTest redis, IDictionary<string, string?>? settings = null, IWorkingSetSource? workingSets = null, TestClock? clock = null)
    {
        var api = await FakeKubernetesApi.StartAsync();
        clock ??= new TestClock();
        var testClock = clock;
        api.Pods.Clock = () => testClock.GetUtcNow();
        var values = new Dictionary<string, string?>
        {
            ["Updater:Redis"] = redis.Configuration,
            ["Updater:MinAge"] = "12h",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values["Updater:" + key] = value;
        }

        var logs = new ConcurrentQueue<string>();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddLogging(logging => logging.AddProvider(new ListLoggerProvider(logs)));
        services.AddResorcererMetrics();
        services.AddUpdater();
        services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        services.Replace(ServiceDescriptor.Singleton<Func<IKubernetes>>(_ => api.Client));
        if (workingSets is not null)
        {
            services.Replace(ServiceDescriptor.Singleton(workingSets));
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var redisConnection = provider.GetRequiredService<IConnectionMultiplexer>();
        return new UpdaterHarness(api, provider, redisConnection, clock, logs);
    }

    /// <summary>Stores a profile in Redis, as the profiler does.</summary>
    public Task StoreAsync(WorkloadProfile profile) =>
        new RedisProfileStore(_redis, Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisProfileStore>.Instance).PutAsync(profile, CancellationToken.None);

    /// <summary>The updater's log of its actions in Redis, as the dashboard reads it.</summary>
    public IUpdateLog Updates => _services.GetRequiredService<IUpdateLog>();

    /// <summary>Runs one pass once the updater's watch has seen every change the API server made.</summary>
    public async Task<PassReport> PassAsync()
    {
        await SyncAsync();
        return await _services.GetRequiredService<UpdaterPass>().RunAsync(CancellationToken.None);
    }

    /// <summary>Waits until the updater's view of the pods is the API server's.</summary>
    public Task SyncAsync() => Eventually.HoldsAsync(() =>
    {
        var watch = _services.GetRequiredService<PodWatch>();
        var truth = Pods.All().ToDictionary(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name, p => p.Metadata.ResourceVersion);
        var seen = watch.Pods.ToDictionary(p => p.Metadata.NamespaceProperty + "/" + p.Metadata.Name, p => p.Metadata.ResourceVersion);
        return Task.FromResult(watch.Synced && truth.Count == seen.Count && truth.All(t => seen.GetValueOrDefault(t.Key) == t.Value));
    }, "the updater's pod watch to catch up with the API server");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _watching;
        }
        catch (OperationCanceledException)
        {
        }

        await _services.DisposeAsync();
        await Api.DisposeAsync();
        _stop.Dispose();
    }

    private sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
