using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Resorcerer.Hosting;
using Resorcerer.Profiles;
using Resorcerer.Quantities;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Workloads;

/// <summary>A workload as the Kubernetes API shows it: its annotations, and when it was deleted.</summary>
public sealed record WorkloadInfo(WorkloadRef Workload, IReadOnlyDictionary<string, string> Annotations, DateTimeOffset? DeletedAt = null);

/// <summary>
/// Watches the cluster instead of polling it: the namespaces labelled <c>resorcerer.io/enabled=true</c>, and the
/// Deployments, StatefulSets, DaemonSets, CronJobs and Jobs in them with their <c>resorcerer.io/*</c>
/// annotations and deletions. It serves the opted-in namespaces to the profiling cycle; when the API fails it
/// keeps serving the last known ones.
/// </summary>
public sealed class ClusterWatcher(Func<IKubernetes> connect, TimeProvider time, ILogger<ClusterWatcher> logger) : INamespaceSource, IWorkloadCatalog
{
    private static readonly TimeSpan SyncWait = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _namespaces = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Namespace, string Name), ResourceBounds> _limitRanges = new();
    private readonly ConcurrentDictionary<WorkloadRef, WorkloadInfo> _workloads = new();
    private readonly TaskCompletionSource _namespacesSynced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _running;

    /// <summary>What is known of a workload, or null when the API has not shown it.</summary>
    public WorkloadInfo? Find(WorkloadRef workload) => _workloads.GetValueOrDefault(workload);

    /// <summary>Workloads deleted at or before <paramref name="before"/>; they are forgotten once reported.</summary>
    public IReadOnlyList<WorkloadRef> TakeDeleted(DateTimeOffset before)
    {
        var gone = _workloads.Values.Where(w => w.DeletedAt is { } at && at <= before).Select(w => w.Workload).ToList();
        foreach (var workload in gone)
        {
            _workloads.TryRemove(workload, out _);
        }

        return gone;
    }

    /// <summary>Starts the watches (once); they run until <paramref name="stopping"/> is cancelled.</summary>
    public void Start(CancellationToken stopping)
    {
        lock (_namespaces)
        {
            _running ??= RunAsync(stopping);
        }
    }

    public async Task<IReadOnlyList<string>> GetNamespacesAsync(CancellationToken cancellationToken)
    {
        Start(CancellationToken.None);
        try
        {
            await _namespacesSynced.Task.WaitAsync(SyncWait, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new KubernetesAccessException(
                $"could not list the namespaces labelled {ResorcererKeys.EnabledNamespaceSelector} within {SyncWait.TotalSeconds:0} s; see the warnings above");
        }

        return _namespaces.Keys.Order(StringComparer.Ordinal).ToList();
    }

    public WorkloadPolicy? PolicyFor(WorkloadRef workload)
    {
        var namespaceAnnotations = _namespaces.GetValueOrDefault(workload.Namespace);
        var known = _workloads.GetValueOrDefault(workload);
        if (namespaceAnnotations is null && known is null)
        {
            return null;
        }

        // Several LimitRanges in a namespace all apply: the tightest bound wins.
        var ranges = _limitRanges.Where(r => r.Key.Namespace == workload.Namespace).Select(r => r.Value).ToList();
        var limitRange = new ResourceBounds(
            ranges.Max(r => r.MinCpu), ranges.Select(r => r.MaxCpu).Where(v => v is not null).Min(),
            ranges.Max(r => r.MinMemory), ranges.Select(r => r.MaxMemory).Where(v => v is not null).Min());
        return PolicyAnnotations.Read(namespaceAnnotations, known?.Annotations, limitRange);
    }

    /// <summary>The container minimum and maximum of a LimitRange, in millicores and bytes.</summary>
    public static ResourceBounds ContainerBounds(V1LimitRange range)
    {
        var container = range.Spec?.Limits?.Where(l => l.Type == "Container").ToList() ?? [];
        long? Read(Func<V1LimitRangeItem, IDictionary<string, ResourceQuantity>?> pick, string resource, bool cpu, bool max)
        {
            var values = container.Select(l => pick(l)?.TryGetValue(resource, out var q) == true ? q.ToString() : null)
                .Select(text => cpu ? (Quantity.TryParseMillicores(text, out var m) ? m : (long?)null) : (Quantity.TryParseBytes(text, out var b) ? b : null))
                .Where(v => v is not null)
                .ToList();
            return values.Count == 0 ? null : max ? values.Min() : values.Max();
        }

        return new ResourceBounds(
            Read(l => l.Min, "cpu", cpu: true, max: false), Read(l => l.Max, "cpu", cpu: true, max: true),
            Read(l => l.Min, "memory", cpu: false, max: false), Read(l => l.Max, "memory", cpu: false, max: true));
    }

    private static Dictionary<string, string> Annotations(V1Namespace item) =>
        (item.Metadata.Annotations ?? new Dictionary<string, string>())
            .Where(a => a.Key.StartsWith(ResorcererKeys.Prefix, StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => a.Value);

    private Task RunAsync(CancellationToken stopping)
    {
        var kubernetes = connect();
        var namespaces = new Informer<V1Namespace>(
            $"namespaces labelled {ResorcererKeys.EnabledNamespaceSelector}",
            ct => Listing<V1Namespace, V1NamespaceList>(
                kubernetes.CoreV1.ListNamespaceAsync(labelSelector: ResorcererKeys.EnabledNamespaceSelector, cancellationToken: ct)),
            (version, ct) => kubernetes.CoreV1.WatchListNamespaceAsync(
                labelSelector: ResorcererKeys.EnabledNamespaceSelector, resourceVersion: version, allowWatchBookmarks: true, cancellationToken: ct),
            logger, time);
        namespaces.Listed += items =>
        {
            var names = items.Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in _namespaces.Keys.Where(n => !names.Contains(n)))
            {
                _namespaces.TryRemove(gone, out _);
            }

            foreach (var item in items)
            {
                _namespaces[item.Metadata.Name] = Annotations(item);
            }

            _namespacesSynced.TrySetResult();
        };
        namespaces.Changed += (type, item) =>
        {
            if (type == WatchEventType.Deleted)
            {
                _namespaces.TryRemove(item.Metadata.Name, out _);
            }
            else
            {
                _namespaces[item.Metadata.Name] = Annotations(item);
            }
        };

        var limitRanges = new Informer<V1LimitRange>(
            "LimitRanges",
            ct => Listing<V1LimitRange, V1LimitRangeList>(kubernetes.CoreV1.ListLimitRangeForAllNamespacesAsync(cancellationToken: ct)),
            (v, ct) => kubernetes.CoreV1.WatchListLimitRangeForAllNamespacesAsync(resourceVersion: v, allowWatchBookmarks: true, cancellationToken: ct),
            logger, time);
        limitRanges.Listed += items =>
        {
            _limitRanges.Clear();
            foreach (var item in items)
            {
                _limitRanges[(item.Metadata.NamespaceProperty, item.Metadata.Name)] = ContainerBounds(item);
            }
        };
        limitRanges.Changed += (type, item) =>
        {
            var key = (item.Metadata.NamespaceProperty, item.Metadata.Name);
            if (type == WatchEventType.Deleted)
            {
                _limitRanges.TryRemove(key, out _);
            }
            else
            {
                _limitRanges[key] = ContainerBounds(item);
            }
        };

        var informers = new List<Task>
        {
            namespaces.RunAsync(stopping),
            limitRanges.RunAsync(stopping),
            Workloads(WorkloadKinds.Deployment,
                ct => Listing<V1Deployment, V1DeploymentList>(kubernetes.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct)),
                (v, ct) => kubernetes.AppsV1.WatchListDeploymentForAllNamespacesAsync(resourceVersion: v, allowWatchBookmarks: true, cancellationToken: ct), stopping),
            Workloads(WorkloadKinds.StatefulSet,
                ct => Listing<V1StatefulSet, V1StatefulSetList>(kubernetes.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct)),
                (v, ct) => kubernetes.AppsV1.WatchListStatefulSetForAllNamespacesAsync(resourceVersion: v, allowWatchBookmarks: true, cancellationToken: ct), stopping),
            Workloads(WorkloadKinds.DaemonSet,
                ct => Listing<V1DaemonSet, V1DaemonSetList>(kubernetes.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: ct)),
                (v, ct) => kubernetes.AppsV1.WatchListDaemonSetForAllNamespacesAsync(resourceVersion: v, allowWatchBookmarks: true, cancellationToken: ct), stopping),
            Workloads(WorkloadKinds.CronJob,
                ct => Listing<V1CronJob, V1CronJobList>(kubernetes.BatchV1.ListCronJobForAllNamespacesAsync(cancellationToken: ct)),
                (v, ct) => kubernetes.BatchV1.WatchListCronJobForAllNamespacesAsync(resourceVersion: v, allowWatchBookmarks: true, cancellationToken: ct), stopping),
            Workloads(WorkloadKinds.Job,
                ct => Listing<V1Job, V1JobList>(kubernetes.BatchV1.ListJobForAllNamespacesAsync(cancellationToken: ct)),
                (v, ct) => kubernetes.BatchV1.WatchListJobForAllNamespacesAsync(resourceVersion: v, allowWatchBookmarks: true, cancellationToken: ct), stopping),
        };
        return Task.WhenAll(informers);
    }

    /// <summary>One informer per workload kind, cluster-wide.</summary>
    private Task Workloads<T>(
        string kind,
        Func<CancellationToken, Task<(IReadOnlyList<T> Items, string? ResourceVersion)>> list,
        Func<string?, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch,
        CancellationToken stopping)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var informer = new Informer<T>($"{kind}s", list, watch, logger, time);
        informer.Listed += items =>
        {
            var seen = new HashSet<WorkloadRef>();
            foreach (var item in items)
            {
                seen.Add(Record(kind, item, deleted: false));
            }

            // Gone while we were not watching: deleted as of now.
            foreach (var missing in _workloads.Values.Where(w => w.Workload.Kind == kind && w.DeletedAt is null && !seen.Contains(w.Workload)))
            {
                _workloads[missing.Workload] = missing with { DeletedAt = time.GetUtcNow() };
            }
        };
        informer.Changed += (type, item) => Record(kind, item, deleted: type == WatchEventType.Deleted);
        return informer.RunAsync(stopping);
    }

    private static async Task<(IReadOnlyList<T> Items, string? ResourceVersion)> Listing<T, TList>(Task<TList> call)
        where TList : IItems<T>, IMetadata<V1ListMeta>
    {
        var list = await call;
        return (list.Items.ToList(), list.Metadata?.ResourceVersion);
    }

    private WorkloadRef Record(string kind, IKubernetesObject<V1ObjectMeta> item, bool deleted)
    {
        var workload = new WorkloadRef(item.Metadata.NamespaceProperty, kind, item.Metadata.Name);
        var annotations = (item.Metadata.Annotations ?? new Dictionary<string, string>())
            .Where(a => a.Key.StartsWith(ResorcererKeys.Prefix, StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => a.Value);
        _workloads[workload] = new WorkloadInfo(workload, annotations, deleted ? time.GetUtcNow() : null);
        return workload;
    }
}
