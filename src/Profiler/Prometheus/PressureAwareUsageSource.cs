using Resorcerer.Profiler.Model;
using Resorcerer.Storage;

namespace Resorcerer.Profiler.Prometheus;

/// <summary>
/// Usage from Prometheus, with the memory pressure the updater's guard acted on counted as OOM kills: the profile
/// learns that the container needed more, as it would from the kill the guard prevented. When the pressure log
/// cannot be read, the kills from Prometheus still count and the cycle goes on.
/// </summary>
public sealed class PressureAwareUsageSource(IUsageSource inner, IMemoryPressureLog pressure, ILogger<PressureAwareUsageSource> logger) : IUsageSource
{
    public long QueriesSent => inner.QueriesSent;

    public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);

    public Task<NodeBounds> ReadNodeBoundsAsync(DateTimeOffset at, CancellationToken cancellationToken) => inner.ReadNodeBoundsAsync(at, cancellationToken);

    public Task<Ownership> ReadOwnershipAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken) =>
        inner.ReadOwnershipAsync(namespaces, window, cancellationToken);

    public Task<IReadOnlyList<ContainerUsage>> ReadUsageAsync(UsageResource resource, IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken) =>
        inner.ReadUsageAsync(resource, namespaces, window, cancellationToken);

    public async Task<IReadOnlyList<OomKill>> ReadOomKillsAsync(IReadOnlyList<string> namespaces, TimeWindow window, CancellationToken cancellationToken)
    {
        var kills = await inner.ReadOomKillsAsync(namespaces, window, cancellationToken);
        IReadOnlyList<MemoryPressure> events;
        try
        {
            events = await pressure.ReadAsync(namespaces, window.Start.ToUnixTimeSeconds(), window.End.ToUnixTimeSeconds(), cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Reading the memory guard's events from Redis failed: {Error}. This read learns from OOM kills only", e.Message);
            return kills;
        }

        return events.Count == 0 ? kills
            : [.. kills, .. events.Select(e => new OomKill(new ContainerKey(e.Namespace, e.Pod, e.Container), e.Timestamp, e.WorkingSetBytes))];
    }
}
