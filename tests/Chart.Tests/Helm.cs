using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Resorcerer.Chart.Tests;

/// <summary>Runs the real helm binary on the chart and reads what it renders into KubernetesClient's typed models.</summary>
public static class Helm
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "charts", "resorcerer");

    public static IEnumerable<string> CiValues => Directory.GetFiles(Path.Combine(Chart, "ci"), "*-values.yaml").Order(StringComparer.Ordinal);

    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var binary = new[] { Path.Combine(Root, ".tools", "helm", "helm") }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "helm")))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("helm is not installed: ./test.sh fetches it into .tools/helm (or put helm on PATH)");
        var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    /// <summary>The objects rendered with the given values file and extra --set flags, in release "rsc", namespace "resorcerer".</summary>
    public static Rendered Template(string? valuesFile, params string[] sets)
    {
        var args = new List<string> { "template", "rsc", Chart, "--namespace", "resorcerer" };
        if (valuesFile is not null)
        {
            args.AddRange(["-f", valuesFile]);
        }

        foreach (var set in sets)
        {
            args.AddRange(["--set", set]);
        }

        var (code, output) = Run([.. args]);
        if (code != 0)
        {
            throw new InvalidOperationException($"helm template failed:\n{output}");
        }

        return new Rendered(output);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Resorcerer.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (Resorcerer.sln)");
    }
}

/// <summary>
/// Rendered manifests: every object of a kind KubernetesClient knows is read strictly into its typed model (an
/// unknown field fails); cert-manager and Prometheus Operator objects are kept as plain YAML maps.
/// </summary>
public sealed class Rendered
{
    private static readonly Dictionary<string, Type> Known = new()
    {
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["v1/Service"] = typeof(V1Service),
        ["v1/Secret"] = typeof(V1Secret),
        ["v1/Pod"] = typeof(V1Pod),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["apps/v1/StatefulSet"] = typeof(V1StatefulSet),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["rbac.authorization.k8s.io/v1/ClusterRole"] = typeof(V1ClusterRole),
        ["rbac.authorization.k8s.io/v1/ClusterRoleBinding"] = typeof(V1ClusterRoleBinding),
        ["rbac.authorization.k8s.io/v1/Role"] = typeof(V1Role),
        ["rbac.authorization.k8s.io/v1/RoleBinding"] = typeof(V1RoleBinding),
        ["admissionregistration.k8s.io/v1/MutatingWebhookConfiguration"] = typeof(V1MutatingWebhookConfiguration),
        ["networking.k8s.io/v1/NetworkPolicy"] = typeof(V1NetworkPolicy),
        ["networking.k8s.io/v1/Ingress"] = typeof(V1Ingress),
    };

    public Rendered(string yaml)
    {
        foreach (var document in yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries))
        {
            var map = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(document);
            if (map is null)
            {
                continue;
            }

            var key = $"{map["apiVersion"]}/{map["kind"]}";
            if (Known.TryGetValue(key, out var type))
            {
                var method = typeof(KubernetesYaml).GetMethod(nameof(KubernetesYaml.Deserialize), [typeof(string), typeof(bool)])!.MakeGenericMethod(type);
                try
                {
                    Objects.Add(method.Invoke(null, [document, true])!);
                }
                catch (System.Reflection.TargetInvocationException e)
                {
                    throw new InvalidOperationException($"{key} does not read strictly into {type.Name}: {e.InnerException?.Message}\n{document}", e.InnerException);
                }
            }
            else
            {
                Others.Add((key, map));
            }
        }
    }

    public List<object> Objects { get; } = [];

    public List<(string Kind, Dictionary<string, object> Map)> Others { get; } = [];

    public IEnumerable<T> OfType<T>() => Objects.OfType<T>();

    public T One<T>() => Assert.Single(Objects.OfType<T>());

    public T Named<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta> => Assert.Single(Objects.OfType<T>(), o => o.Metadata.Name == name);

    /// <summary>Every pod template (Deployments, StatefulSets) and plain pod (the helm test).</summary>
    public IEnumerable<(string Owner, V1PodSpec Spec)> PodSpecs() =>
        OfType<V1Deployment>().Select(d => (d.Metadata.Name, d.Spec.Template.Spec))
            .Concat(OfType<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template.Spec)))
            .Concat(OfType<V1Pod>().Select(p => (p.Metadata.Name, p.Spec)));
}
