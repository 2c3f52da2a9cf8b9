using k8s;
using Microsoft.Extensions.Logging;

namespace Resorcerer.Hosting;

/// <summary>
/// Keeps a local copy of a kind of Kubernetes object up to date: list, then watch from the list's version; when
/// the watch ends or fails, list again (after a growing pause on errors). Until a list succeeds again, the last
/// known objects stay as they were.
/// </summary>
public sealed class Informer<T>(
    string description,
    Func<CancellationToken, Task<(IReadOnlyList<T> Items, string? ResourceVersion)>> list,
    Func<string?, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Item)>> watch,
    ILogger logger,
    TimeProvider time)
    where T : IKubernetesObject<k8s.Models.V1ObjectMeta>
{
    private static readonly TimeSpan MaxPause = TimeSpan.FromMinutes(1);

    /// <summary>Called with every object after each (re)list.</summary>
    public event Action<IReadOnlyList<T>>? Listed;

    /// <summary>Called for every watch event after the list.</summary>
    public event Action<WatchEventType, T>? Changed;

    public bool Synced { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var (items, version) = await list(cancellationToken);
                Listed?.Invoke(items);
                Synced = true;
                pause = TimeSpan.FromSeconds(1);
                await foreach (var (type, item) in watch(version, cancellationToken))
                {
                    if (type == WatchEventType.Error)
                    {
                        break; // typically "resource version too old": list again
                    }

                    if (type != WatchEventType.Bookmark)
                    {
                        Changed?.Invoke(type, item);
                    }
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Watching {What} failed: {Error}. Keeping the last known list; trying again in {Pause:0} s",
                    description, e.Message, pause.TotalSeconds);
                await Task.Delay(pause, time, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, MaxPause.Ticks));
            }
        }
    }
}
