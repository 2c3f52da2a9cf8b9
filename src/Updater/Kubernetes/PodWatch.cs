using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Resorcerer.Hosting;

namespace Resorcerer.Updater.Kubernetes;

/// <summary>The pods the updater looks at, kept current by one list-and-watch of the cluster's pods (or of the configured namespaces').</summary>
public sealed class PodWatch(Func<IKubernetes> connect, UpdaterOptions options, TimeProvider time, ILogger<PodWatch> logger)
{
    private readonly ConcurrentDictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly HashSet<string> _namespaces = [.. options.NamespaceList];

    /// <summary>Starts watching; runs until <paramref name="stopping"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken stopping)
    {
        var kubernetes = connect();
        var informer = new Informer<V1Pod>(
            "pods",
            async ct =>
            {
                var list = await kubernetes.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
                return (list.Items.ToList(), list.Metadata?.ResourceVersion);
            },
            (version, ct) => kubernetes.CoreV1.WatchListPodForAllNamespacesAsync(resourceVersion: version, allowWatchBookmarks: true, cancellationToken: ct),
            logger, time);
        informer.Listed += items =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var pod in items.Where(Wanted))
            {
                seen.Add(Key(pod));
                _pods[Key(pod)] = pod;
            }

            foreach (var gone in _pods.Keys.Where(k => !seen.Contains(k)))
            {
                _pods.TryRemove(gone, out _);
            }

            _synced.TrySetResult();
        };
        informer.Changed += (type, pod) =>
        {
            if (!Wanted(pod))
            {
                return;
            }

            if (type == WatchEventType.Deleted)
            {
                _pods.TryRemove(Key(pod), out _);
            }
            else
            {
                _pods[Key(pod)] = pod;
            }
        };
        return informer.RunAsync(stopping);
    }

    /// <summary>Lists one pod: throws at once, with the API's own error, when the pods cannot be read at all.</summary>
    public async Task ProbeAsync(CancellationToken cancellationToken) =>
        await connect().CoreV1.ListPodForAllNamespacesAsync(limit: 1, cancellationToken: cancellationToken);

    /// <summary>Waits until the first list has arrived.</summary>
    public Task WaitUntilSyncedAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public bool Synced => _synced.Task.IsCompleted;

    /// <summary>The pods as last seen.</summary>
    public IReadOnlyList<V1Pod> Pods => [.. _pods.Values];

    /// <summary>The pod as last seen, or null when it is gone.</summary>
    public V1Pod? Find(string @namespace, string name) => _pods.GetValueOrDefault(@namespace + "/" + name);

    private bool Wanted(V1Pod pod) => _namespaces.Count == 0 || _namespaces.Contains(pod.Metadata.NamespaceProperty);

    private static string Key(V1Pod pod) => pod.Metadata.NamespaceProperty + "/" + pod.Metadata.Name;
}
