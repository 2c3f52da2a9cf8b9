using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Resorcerer.Webhook.Hosting;

/// <summary>
/// Keeps more pool threads ready while a Redis connection is down. The Redis client blocks pool threads while it
/// looks for a new master through the sentinels (a known limit of StackExchange.Redis); a two-core node starts
/// with two and adds about two a second, so admissions, which never wait on Redis, would queue behind it for
/// seconds. Kept ready all the time, the extra threads cost a quarter of the throughput under load (more threads
/// than cores take turns), so they are asked for when a connection fails and given back a while after the last
/// one is restored.
/// </summary>
public sealed class FailoverThreads(IOptions<WebhookOptions> options, TimeProvider time, ILogger<FailoverThreads> logger) : IDisposable
{
    /// <summary>How long after the last restored connection the extra threads are kept: the client may still be switching.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    private readonly object _gate = new();
    private (int Workers, int Io)? _normal;
    private ITimer? _release;

    /// <summary>True while the extra threads are asked for.</summary>
    public bool Raised
    {
        get
        {
            lock (_gate)
            {
                return _normal is not null;
            }
        }
    }

    public void Watch(IConnectionMultiplexer redis)
    {
        redis.ConnectionFailed += (_, e) => Raise(e.EndPoint?.ToString());
        redis.ConnectionRestored += (_, _) => ReleaseLater();
    }

    public void Raise(string? endpoint)
    {
        lock (_gate)
        {
            _release?.Dispose();
            _release = null;
            if (_normal is not null)
            {
                return;
            }

            ThreadPool.GetMinThreads(out var workers, out var io);
            var wanted = options.Value.FailoverPoolThreads;
            if (workers >= wanted)
            {
                return;
            }

            _normal = (workers, io);
            ThreadPool.SetMinThreads(wanted, Math.Max(io, wanted));
            logger.LogInformation("Redis connection to {Endpoint} lost: keeping {Threads} pool threads ready until it is back", endpoint ?? "?", wanted);
        }
    }

    public void ReleaseLater()
    {
        lock (_gate)
        {
            if (_normal is null)
            {
                return;
            }

            _release?.Dispose();
            _release = time.CreateTimer(_ => Release(), null, Settle, Timeout.InfiniteTimeSpan);
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            if (_normal is { } normal)
            {
                ThreadPool.SetMinThreads(normal.Workers, normal.Io);
                _normal = null;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _release?.Dispose();
        }
    }
}
