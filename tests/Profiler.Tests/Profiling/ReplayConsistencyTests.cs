using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resorcerer.DevKit;
using Resorcerer.Profiler.Backtest;
using Resorcerer.Profiler.Connections;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Profiling;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiler.Storage;
using Resorcerer.Profiler.Traces;
using Resorcerer.Profiler.Workloads;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.TestSupport;
using Resorcerer.Workloads;
using StackExchange.Redis;

namespace Resorcerer.Profiler.Tests.Profiling;

/// <summary>
/// What the profiler learns depends on the usage alone: not on how often it runs, not on a restart half-way, and it is
/// what the backtest measures. Whole profiling cycles against a real Redis, usage from generated series.
/// </summary>
public sealed class ReplayConsistencyTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const long Minute = 60, Hour = 3600, Day = 86400, Mi = 1024 * 1024;

    // Two days of data that start seven minutes past an hour, so that reads, hours and days all fall differently.
    private static readonly long Start = new DateTimeOffset(2026, 3, 2, 0, 7, 0, TimeSpan.Zero).ToUnixTimeSeconds();
    private static readonly long End = Start + 2 * Day;
    private static readonly string[] Workloads = ["shop/Deployment/web", "shop/StatefulSet/db", "shop/Deployment/reports"];

    public static TheoryData<string> Strategies => new(StrategyCatalog.All.Select(s => s.Name));

    /// <summary>Deterministic noise in [0, 1).</summary>
    private static double Noise(long t, int seed)
    {
        var x = Math.Sin(t * 12.9898 + seed * 78.233) * 43758.5453;
        return x - Math.Floor(x);
    }

    private static ClusterSeries Cluster()
    {
        var series = new ClusterSeries(TimeSpan.FromMinutes(1)) { IncludePodLevelSeries = false };
        ContainerUsageSeries App() => new("app",
            t => 0.3 + 0.2 * Math.Sin(2 * Math.PI * t / Day) + 0.1 * Noise(t, 1),
            t => 200 * Mi + 50 * Mi * (t % 7200) / 7200.0 + 4 * Mi * Noise(t, 2));
        ContainerUsageSeries Proxy() => new("proxy", t => 0.05 + 0.02 * Noise(t, 3), t => 30 * Mi + Mi * Noise(t, 4));

        // web rolls out after 26 h: two pods of one ReplicaSet, then two of the next.
        const string Old = "web-5f7b8c9d4", New = "web-6c8d9f7b5";
        var rollout = Start + 26 * Hour;
        series.Add(new ReplicaSetSeries("shop", Old, "Deployment", "web", Start, rollout));
        series.Add(new ReplicaSetSeries("shop", New, "Deployment", "web", rollout, End));
        foreach (var (pod, rs, from, to) in new[] { ($"{Old}-a1b2c", Old, Start, rollout), ($"{Old}-d3e4f", Old, Start, rollout), ($"{New}-g5h6i", New, rollout, End), ($"{New}-j7k8l", New, rollout, End) })
        {
            series.Add(new PodSeries("shop", pod, "ReplicaSet", rs, from, to, [App(), Proxy()]));
        }

        // db: spiky CPU, growing memory, one OOM kill at 30 h.
        series.Add(new PodSeries("shop", "db-0", "StatefulSet", "db", Start, End,
        [
            new ContainerUsageSeries("postgres", t => Noise(t, 5) > 0.97 ? 3.0 : 1.0 + 0.3 * Noise(t, 6), t => 1024 * Mi + 100 * Mi * (t - Start) / (2.0 * Day)),
        ]));
        series.Add(new OomKillSeries("shop", "db-0", "postgres", Start + 30 * Hour + 17));

        // reports: stops after 20 h.
        series.Add(new ReplicaSetSeries("shop", "reports-7d9c8b6f4", "Deployment", "reports", Start, Start + 20 * Hour));
        series.Add(new PodSeries("shop", "reports-7d9c8b6f4-m1n2o", "ReplicaSet", "reports-7d9c8b6f4", Start, Start + 20 * Hour,
            [new ContainerUsageSeries("job", t => 0.8 * Noise(t, 7), t => 500 * Mi * Noise(t / 600, 8) + 100 * Mi)]));
        return series;
    }

    private sealed class NoTraffic : IConnectionSource
    {
        public Task<IReadOnlyList<TrafficSeries>> ReadTrafficAsync(IReadOnlyList<string> namespaces, TimeWindow window, TimeSpan resolution, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<TrafficSeries>>([]);
    }

    private sealed record Outcome(IReadOnlyDictionary<string, byte[]> Checkpoints, IReadOnlyDictionary<string, string> Profiles);

    /// <summary>Runs a cycle at each clock time, a new process (empty memory) from <paramref name="restartAt"/> on; returns what Redis holds.</summary>
    private async Task<Outcome> RunAsync(string strategy, ClusterSeries series, List<long> clocks, int restartAt, string[]? workloads = null)
    {
        var options = Options.Create(new ProfilerOptions
        {
            PrometheusUrl = "http://unused",
            Redis = redis.Redis.Configuration,
            Namespaces = "shop",
            History = Configuration.Duration.FromDays(3),
            ConnectionWindow = Configuration.Duration.FromSeconds(0),
            Strategy = strategy,
        });
        await using var connection = await redis.ConnectEmptiedAsync();
        var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
        var checkpoints = RedisCheckpointStore.Create(connection, options);
        var source = new SeriesUsageSource(series);
        var clock = new MovableTime(DateTimeOffset.FromUnixTimeSeconds(clocks[0]));
        ProfilingCycle NewCycle() => new(new ConfiguredNamespaces(options), new NoWorkloadCatalog(), source, new NoTraffic(), store, checkpoints,
            StrategyCatalog.Find(strategy)!, clock, options, new ProfilerMetrics(global::Prometheus.Metrics.WithCustomRegistry(global::Prometheus.Metrics.NewCustomRegistry())),
            NullLogger<ProfilingCycle>.Instance);

        var cycle = NewCycle();
        for (var i = 0; i < clocks.Count; i++)
        {
            if (i == restartAt)
            {
                cycle = NewCycle();
            }

            clock.Now = DateTimeOffset.FromUnixTimeSeconds(clocks[i]);
            await cycle.RunAsync(CancellationToken.None);
        }

        var saved = new Dictionary<string, byte[]>();
        var profiles = new Dictionary<string, string>();
        workloads ??= Workloads;
        foreach (var workload in workloads.Append(CursorStore.Key))
        {
            saved[workload] = await checkpoints.LoadAsync(workload, CancellationToken.None) ?? throw new InvalidOperationException($"no checkpoint for {workload}");
        }

        foreach (var workload in workloads)
        {
            var profile = await store.GetAsync(WorkloadRef.Parse(workload), CancellationToken.None) ?? throw new InvalidOperationException($"no profile for {workload}");
            profiles[workload] = ProfileJson.Serialize(profile with { UpdatedAt = DateTimeOffset.UnixEpoch });
        }

        return new Outcome(saved, profiles);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Cycles_every_minute_five_minutes_or_hour_across_a_restart_learn_exactly_what_one_cycle_learns(string strategy)
    {
        var series = Cluster();
        var last = End + Minute; // --lag 1m: the last cycle reads up to the end of the data
        var whole = await RunAsync(strategy, series, [last], restartAt: -1);
        Assert.All(whole.Profiles.Values, json => Assert.Contains("\"memory\"", json, StringComparison.Ordinal));

        foreach (var every in new[] { 60 * Minute, 5 * Minute, Minute })
        {
            var clocks = Enumerable.Range(0, (int)((End - Start) / every) + 1).Select(i => last - (long)i * every).Reverse().ToList();
            var stepped = await RunAsync(strategy, series, clocks, restartAt: clocks.Count / 2);

            foreach (var (key, bytes) in whole.Checkpoints)
            {
                Assert.True(bytes.AsSpan().SequenceEqual(stepped.Checkpoints[key]),
                    $"{strategy}, a cycle every {every / 60} min: the checkpoint of {key} differs ({bytes.Length} and {stepped.Checkpoints[key].Length} bytes)");
            }

            foreach (var (workload, json) in whole.Profiles)
            {
                Assert.True(json == stepped.Profiles[workload], $"{strategy}, a cycle every {every / 60} min: the profile of {workload} differs:\n{json}\n{stepped.Profiles[workload]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task The_profile_written_at_an_hour_is_what_the_backtest_applies_at_that_hour(string strategy)
    {
        var series = new ClusterSeries(TimeSpan.FromMinutes(1)) { IncludePodLevelSeries = false };
        var app = new ContainerUsageSeries("app", t => 0.2 + 0.3 * Noise(t, 11) * Noise(t / 900, 12), t => Math.Floor(300 * Mi + 80 * Mi * Noise(t / 1800, 13)));
        var sidecar = new ContainerUsageSeries("sidecar", t => 0.01 + 0.005 * Noise(t, 14), t => Math.Floor(20 * Mi + Mi * Noise(t, 15)));
        series.Add(new PodSeries("shop", "db-0", "StatefulSet", "db", Start, End, [app, sidecar]));
        var hour = (Start / Hour + 30) * Hour;

        var written = await RunAsync(strategy, series, [hour + Minute], restartAt: -1, ["shop/StatefulSet/db"]) switch
        {
            var outcome => ProfileJson.Deserialize(outcome.Profiles["shop/StatefulSet/db"]),
        };

        var simulation = new WorkloadSimulation(StrategyCatalog.Find(strategy)!, recordHistory: true);
        for (var t = Start; t <= hour + Minute; t += Minute)
        {
            foreach (var container in new[] { app, sidecar })
            {
                simulation.Add(new TraceRow(t, "shop/StatefulSet/db", container.Name, container.CpuCores(t), (long)container.MemoryBytes(t)));
            }
        }

        var applied = simulation.Recommendations.Single(r => r.Hour == hour).Recommendation;
        Assert.Equal(["app", "sidecar"], written.Containers.Keys);
        foreach (var (name, profile) in written.Containers)
        {
            Assert.Equal(applied[name].Cpu, Amounts(profile.Cpu));
            Assert.Equal(applied[name].Memory, Amounts(profile.Memory));
        }

        static RecommendedAmounts? Amounts(ResourceProfile? resource) =>
            resource is null ? null : new RecommendedAmounts(resource.Target, resource.LowerBound, resource.UpperBound);
    }
}
