using k8s;
using k8s.Models;
using Resorcerer.Profiler.Report;
using Resorcerer.Workloads;
using YamlDotNet.Serialization;

namespace Resorcerer.Profiler.Tests.Report;

/// <summary>The patches applied as kustomize applies a strategic-merge patch: maps merged key by key, containers by name.</summary>
public sealed class ReportPatchesTests
{
    private const long Mi = 1024 * 1024;

    private const string Deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
          labels: {app: web}
        spec:
          replicas: 3
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec:
              containers:
                - name: web
                  image: nginx:1.27
                  resources:
                    requests: {cpu: "1", memory: 1Gi}
                    limits: {cpu: "2", memory: 2Gi}
                - name: proxy
                  image: envoy:1.31
                  resources:
                    requests: {cpu: 100m, memory: 64Mi}
        """;

    /// <summary>A strategic merge: maps key by key, the patch's scalars win, lists of named objects merged by name.</summary>
    private static object? Merge(object? target, object? patch)
    {
        if (target is Dictionary<object, object> map && patch is Dictionary<object, object> changes)
        {
            foreach (var (key, value) in changes)
            {
                map[key] = map.TryGetValue(key, out var existing) ? Merge(existing, value)! : value;
            }

            return map;
        }

        if (target is List<object> list && patch is List<object> items && items.All(i => i is Dictionary<object, object> d && d.ContainsKey("name")))
        {
            foreach (Dictionary<object, object> item in items)
            {
                var match = list.OfType<Dictionary<object, object>>().FirstOrDefault(e => Equals(e.GetValueOrDefault("name"), item["name"]));
                if (match is null)
                {
                    list.Add(item);
                }
                else
                {
                    Merge(match, item);
                }
            }

            return list;
        }

        return patch;
    }

    private static ContainerReport Line(string container, long? cpu, long? cpuLimit, long? memory, long? memoryLimit) => new(
        new WorkloadRef("shop", "Deployment", "web"), container, 3,
        new ResourceLine(null, null, cpu, cpuLimit, null, null, null), new ResourceLine(null, null, memory, memoryLimit, null, null, null), 0, 0, 0, "waste");

    [Fact]
    public void A_patch_on_the_workloads_manifest_gives_the_recommended_resources_and_keeps_the_rest()
    {
        var files = ReportPatches.Write([Line("web", 402, 804, 173 * Mi, 346 * Mi), Line("proxy", 51, null, 100 * Mi, null)]);

        Assert.Equal(["kustomization.yaml", "shop-deployment-web.yaml"], files.Keys);
        Assert.Contains("  - path: shop-deployment-web.yaml", files["kustomization.yaml"], StringComparison.Ordinal);
        var yaml = new DeserializerBuilder().Build();
        var merged = Merge(yaml.Deserialize<object>(Deployment), yaml.Deserialize<object>(files["shop-deployment-web.yaml"]));
        var deployment = KubernetesYaml.Deserialize<V1Deployment>(new SerializerBuilder().Build().Serialize(merged));

        var containers = deployment.Spec.Template.Spec.Containers;
        Assert.Equal(["web", "proxy"], containers.Select(c => c.Name));
        Assert.Equal(("402m", "173Mi", "804m", "346Mi"),
            (containers[0].Resources.Requests["cpu"].ToString(), containers[0].Resources.Requests["memory"].ToString(),
             containers[0].Resources.Limits["cpu"].ToString(), containers[0].Resources.Limits["memory"].ToString()));
        Assert.Equal(("51m", "100Mi"), (containers[1].Resources.Requests["cpu"].ToString(), containers[1].Resources.Requests["memory"].ToString()));
        Assert.Null(containers[1].Resources.Limits); // no limit is added
        Assert.Equal(("nginx:1.27", 3), (containers[0].Image, deployment.Spec.Replicas)); // the rest stays
    }

    [Fact]
    public void A_cronjobs_patch_reaches_its_job_template()
    {
        var line = Line("report", 250, null, 256 * Mi, null) with { Workload = new WorkloadRef("batch", "CronJob", "report") };

        var patch = ReportPatches.Write([line])["batch-cronjob-report.yaml"];

        Assert.Contains("apiVersion: batch/v1\nkind: CronJob\n", patch, StringComparison.Ordinal);
        Assert.Contains("spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: report\n", patch, StringComparison.Ordinal);
    }
}
