using k8s;
using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Workloads;

/// <summary>Which namespaces the profiler profiles.</summary>
public interface INamespaceSource
{
    Task<IReadOnlyList<string>> GetNamespacesAsync(CancellationToken cancellationToken);
}

/// <summary>What the Kubernetes API says of workloads: their policies and their deletion.</summary>
public interface IWorkloadCatalog
{
    /// <summary>Workloads deleted at or before <paramref name="before"/>; each is reported once.</summary>
    IReadOnlyList<WorkloadRef> TakeDeleted(DateTimeOffset before);

    /// <summary>The workload's effective policy (namespace and workload annotations, LimitRange), or null when unknown.</summary>
    WorkloadPolicy? PolicyFor(WorkloadRef workload);
}

/// <summary>Without the API (<c>--namespaces</c>): no policies, and workloads are forgotten when their usage stops.</summary>
public sealed class NoWorkloadCatalog : IWorkloadCatalog
{
    public IReadOnlyList<WorkloadRef> TakeDeleted(DateTimeOffset before) => [];

    public WorkloadPolicy? PolicyFor(WorkloadRef workload) => null;
}

/// <summary>The namespaces named by <c>--namespaces</c>.</summary>
public sealed class ConfiguredNamespaces(IOptions<ProfilerOptions> options) : INamespaceSource
{
    public Task<IReadOnlyList<string>> GetNamespacesAsync(CancellationToken cancellationToken) =>
        Task.FromResult(options.Value.NamespaceList);
}

/// <summary>The namespaces labelled <c>resorcerer.io/enabled=true</c>, listed through the Kubernetes API.</summary>
public sealed class OptedInNamespaces(Func<IKubernetes> connect) : INamespaceSource
{
    private readonly Lazy<IKubernetes> _kubernetes = new(connect);

    public async Task<IReadOnlyList<string>> GetNamespacesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var list = await _kubernetes.Value.CoreV1.ListNamespaceAsync(
                labelSelector: ResorcererKeys.EnabledNamespaceSelector, cancellationToken: cancellationToken);
            return list.Items.Select(ns => ns.Metadata.Name).Order(StringComparer.Ordinal).ToList();
        }
        catch (k8s.Autorest.HttpOperationException e)
        {
            throw new KubernetesAccessException(
                $"listing namespaces labelled {ResorcererKeys.EnabledNamespaceSelector} failed: the API answered {(int)e.Response.StatusCode} {e.Response.ReasonPhrase}", e);
        }
        catch (HttpRequestException e)
        {
            throw new KubernetesAccessException($"cannot reach the Kubernetes API to list namespaces: {e.Message}", e);
        }
    }
}
