using k8s;
using k8s.KubeConfigModels;

namespace Resorcerer.Hosting;

/// <summary>The Kubernetes API could not be used; the message says why and what to do.</summary>
public sealed class KubernetesAccessException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The Kubernetes client as kubectl users expect it to find the cluster.</summary>
public static class KubernetesAccess
{
    /// <summary>
    /// The client from KubernetesClient's own default rules (<c>BuildDefaultConfig</c>): <c>KUBECONFIG</c> (several
    /// files merged, the first mention of a name winning, as kubectl does), then <c>~/.kube/config</c>, then the
    /// in-cluster service account. Two differences: files that <c>KUBECONFIG</c> lists but that do not exist are
    /// skipped, as kubectl skips them (the library refuses them); and where nothing exists it fails saying so,
    /// rather than trying <c>localhost:8080</c>.
    /// </summary>
    /// <param name="purpose">What needs the API, for the message, e.g. "finding the opted-in namespaces".</param>
    /// <param name="advice">What a user can do instead, for the message, e.g. "Give --namespaces or set KUBECONFIG."</param>
    public static IKubernetes Connect(string purpose, string advice)
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        var listed = kubeconfig?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries) ?? [];
        if (!listed.Any(File.Exists) && !File.Exists(KubernetesClientConfiguration.KubeConfigDefaultLocation) && !KubernetesClientConfiguration.IsInCluster())
        {
            throw new KubernetesAccessException(
                $"{purpose} needs the Kubernetes API, but there is no in-cluster service account and no kubeconfig " +
                $"({(listed.Length > 0 ? $"KUBECONFIG lists {string.Join(", ", listed)}, none of which exists" : "KUBECONFIG is not set")}, " +
                $"and {KubernetesClientConfiguration.KubeConfigDefaultLocation} does not exist). {advice}");
        }

        try
        {
            var existing = listed.Where(File.Exists).ToArray();
            return new Kubernetes(existing.Length > 0 && existing.Length < listed.Length
                ? KubernetesClientConfiguration.BuildConfigFromConfigObject(Merge(existing))
                : KubernetesClientConfiguration.BuildDefaultConfig());
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            throw new KubernetesAccessException($"{purpose} needs the Kubernetes API, but the kubeconfig cannot be used: {e.Message}. {advice}", e);
        }
    }

    /// <summary>
    /// The client as kubectl builds it from its flags: <paramref name="kubeconfig"/> (else <c>KUBECONFIG</c>'s files,
    /// merged, else <c>~/.kube/config</c>), with <paramref name="context"/> instead of the current context; and that
    /// context's namespace (<c>default</c> when it names none), which kubectl uses without <c>-n</c>.
    /// </summary>
    public static (IKubernetes Client, string Namespace) ConnectAs(string? kubeconfig, string? context)
    {
        var files = kubeconfig is { Length: > 0 } ? [kubeconfig]
            : Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Where(File.Exists).ToArray() is { Length: > 0 } listed ? listed
            : [KubernetesClientConfiguration.KubeConfigDefaultLocation];
        if (!files.Any(File.Exists))
        {
            throw new KubernetesAccessException(kubeconfig is { Length: > 0 }
                ? $"--kubeconfig {kubeconfig}: no such file"
                : $"no kubeconfig: KUBECONFIG names no file that exists and {KubernetesClientConfiguration.KubeConfigDefaultLocation} does not exist. Give --kubeconfig FILE.");
        }

        try
        {
            var merged = Merge(files.Where(File.Exists));
            var name = context ?? merged.CurrentContext;
            if (name is null || merged.Contexts.All(c => c.Name != name))
            {
                throw new KubernetesAccessException(context is not null
                    ? $"--context {context}: the kubeconfig has no such context (it has {string.Join(", ", merged.Contexts.Select(c => c.Name))})"
                    : "the kubeconfig sets no current context: give --context NAME");
            }

            var ns = merged.Contexts.First(c => c.Name == name).ContextDetails?.Namespace;
            return (new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, name)), string.IsNullOrEmpty(ns) ? "default" : ns);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException)
        {
            throw new KubernetesAccessException($"the kubeconfig cannot be used: {e.Message}", e);
        }
    }

    /// <summary>kubectl's merge of several kubeconfig files: the first file to name a cluster, user or context, or to set the current context, wins.</summary>
    private static K8SConfiguration Merge(IEnumerable<string> files)
    {
        var merged = new K8SConfiguration { Clusters = [], Users = [], Contexts = [] };
        foreach (var file in files)
        {
            var config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(file), useRelativePaths: true);
            merged.CurrentContext ??= string.IsNullOrEmpty(config.CurrentContext) ? null : config.CurrentContext;
            merged.Clusters = [.. merged.Clusters, .. (config.Clusters ?? []).Where(c => merged.Clusters.All(m => m.Name != c.Name))];
            merged.Users = [.. merged.Users, .. (config.Users ?? []).Where(u => merged.Users.All(m => m.Name != u.Name))];
            merged.Contexts = [.. merged.Contexts, .. (config.Contexts ?? []).Where(c => merged.Contexts.All(m => m.Name != c.Name))];
        }

        return merged;
    }
}
