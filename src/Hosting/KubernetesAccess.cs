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
