using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Webhook.Profiles;
using Resorcerer.Workloads;
using StackExchange.Redis;

// The webhook's in-memory profiles (bench/profile-sync.sh): memory per 1,000 profiles, the first load of all of
// them, a sync with nothing changed, and a sync after one profile changed, against a real Redis on loopback.
// Usage: profile-sync [PROFILES, 10000] [NAMESPACES, 100] [REPEATS, 5]
var profiles = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var namespaces = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
var repeats = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;

await using var redis = await RedisServer.StartAsync();
await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisSettings.Parse(redis.Configuration, TimeSpan.FromSeconds(10)));
var store = new RedisProfileStore(connection, NullLogger<RedisProfileStore>.Instance);
var seen = new UsageSummary(120, 180, 210, 260, 300, 10_080, DateTimeOffset.UtcNow.AddDays(-7), DateTimeOffset.UtcNow);
WorkloadProfile Profile(int i, long cpu = 250) => new()
{
    Workload = new WorkloadRef($"team-{i % namespaces:D3}", "Deployment", $"service-{i:D5}"),
    UpdatedAt = DateTimeOffset.UtcNow,
    Strategy = "resorcerer",
    Containers = new Dictionary<string, ContainerProfile>
    {
        ["app"] = new(new ResourceProfile(cpu, 200, 420, seen), new ResourceProfile(640L << 20, 600L << 20, 800L << 20, seen)),
        ["proxy"] = new(new ResourceProfile(40, 25, 60, seen), new ResourceProfile(64L << 20, 48L << 20, 80L << 20, seen)),
    },
    Connections = new ConnectionProfile(
        DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow,
        [new ConnectionEdge(new WorkloadRef($"team-{(i + 1) % namespaces:D3}", "Deployment", "api"), ConnectionEdge.Linkerd, 1200, 1300, 10_000, 11_000, 0.01)],
        [new ConnectionEdge(new WorkloadRef("ingress", "Deployment", "gateway"), ConnectionEdge.Linkerd, 600, 650, 5_000, 5_500, 0)]),
};

var write = Stopwatch.StartNew();
foreach (var batch in Enumerable.Range(0, profiles).Chunk(256))
{
    await Task.WhenAll(batch.Select(i => store.PutAsync(Profile(i), CancellationToken.None)));
}

var json = ProfileJson.Serialize(Profile(0)).Length;
Console.WriteLine($"{profiles:N0} profiles in {namespaces} namespaces written in {write.Elapsed.TotalSeconds:0.0} s; one profile is {json:N0} bytes of JSON");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, Redis {redis.Configuration} on loopback; {repeats} repeats, medians");

static double Median(List<double> values)
{
    values.Sort();
    return values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2;
}

var loads = new List<double>();
var bytes = new List<double>();
for (var r = 0; r < repeats; r++)
{
    var (milliseconds, perThousand, before, after) = Load(store, profiles);
    loads.Add(milliseconds);
    bytes.Add(perThousand);
    Console.WriteLine($"load {r + 1}: {milliseconds:N0} ms, heap {before / 1024.0 / 1024:0.0} -> {after / 1024.0 / 1024:0.0} MiB");
}

var mirror = new ProfileMirror(store);
await mirror.SyncAsync(CancellationToken.None);

var idle = new List<double>();
var one = new List<double>();
for (var r = 0; r < repeats * 4; r++)
{
    var clock = Stopwatch.StartNew();
    var nothing = await mirror.SyncAsync(CancellationToken.None);
    idle.Add(clock.Elapsed.TotalMilliseconds);
    if (nothing.NamespacesRead != 0)
    {
        throw new InvalidOperationException("a sync with nothing changed read a namespace");
    }

    await store.PutAsync(Profile(r * 7 % profiles, cpu: 300 + r), CancellationToken.None);
    clock.Restart();
    var changed = await mirror.SyncAsync(CancellationToken.None);
    one.Add(clock.Elapsed.TotalMilliseconds);
    if (changed.ProfilesRead != 1)
    {
        throw new InvalidOperationException($"a sync after one change read {changed.ProfilesRead} profiles");
    }
}

Console.WriteLine();
Console.WriteLine("| measure | median |");
Console.WriteLine("|---|---|");
Console.WriteLine($"| first load of {profiles:N0} profiles | {Median(loads):N0} ms |");
Console.WriteLine($"| memory per 1,000 profiles held | {Median(bytes) / (1 << 20):0.00} MiB |");
Console.WriteLine($"| sync, nothing changed ({namespaces} namespaces) | {Median(idle):0.00} ms |");
Console.WriteLine($"| sync after one profile changed | {Median(one):0.00} ms |");

// Synchronous on purpose: an async method's locals and awaiters live on in its state machine and would keep the
// previous load's mirror reachable when the heap is measured.
static (double Milliseconds, double BytesPerThousand, long Before, long After) Load(RedisProfileStore store, int expected)
{
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var mirror = new ProfileMirror(store);
    var clock = Stopwatch.StartNew();
    var loaded = mirror.SyncAsync(CancellationToken.None).GetAwaiter().GetResult();
    var elapsed = clock.Elapsed.TotalMilliseconds;
    if (loaded.ProfilesRead != expected || mirror.Count != expected)
    {
        throw new InvalidOperationException($"the load read {loaded.ProfilesRead} profiles and holds {mirror.Count}, not {expected}");
    }

    var after = GC.GetTotalMemory(forceFullCollection: true);
    GC.KeepAlive(mirror);
    return (elapsed, (after - before) * 1000.0 / expected, before, after);
}
