using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Resorcerer.DevKit;
using Resorcerer.Profiles;
using Resorcerer.Sizing;
using Resorcerer.TestSupport;
using Resorcerer.Webhook.Patching;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Tests.Patching;

/// <summary>
/// Properties of the patch over generated pods, profiles and policies: any number of containers, init containers
/// and sidecars, with and without requests and limits, in odd quantity spellings.
/// </summary>
public class PodPatchPropertyTests
{
    // Odd spellings, and amounts that are not whole units (1500u and 2m both round to 2 millicores, yet Kubernetes
    // tells them apart when it decides the QoS class), and zeros (which Kubernetes counts as unset).
    private static readonly string[] CpuQuantities = ["100m", "0.5", "1", "250m", "2", "1e3", "10m", "1500m", "1500u", "2m", "1.5m", "1n", "0"];
    private static readonly string[] MemoryQuantities = ["1Ki", "128974848", "129e6", "123Mi", "1Gi", "0.5Gi", "64Mi", "3G", "1.5", "2", "1500m", "0"];
    private static readonly string[] Names = ["app", "proxy", "agent", "log", "db"];

    private static readonly Gen<JsonObject?> GenResources =
        Gen.Select(Gen.Int[0, 15], Gen.Int[0, CpuQuantities.Length - 1], Gen.Int[0, MemoryQuantities.Length - 1], Gen.Int[0, CpuQuantities.Length - 1], Gen.Int[0, MemoryQuantities.Length - 1])
            .Select((mask, rc, rm, lc, lm) =>
            {
                if (mask == 0)
                {
                    return null;
                }

                var requests = new JsonObject();
                var limits = new JsonObject();
                if ((mask & 1) != 0) requests["cpu"] = CpuQuantities[rc];
                if ((mask & 2) != 0) requests["memory"] = MemoryQuantities[rm];
                if ((mask & 4) != 0) limits["cpu"] = CpuQuantities[lc];
                if ((mask & 8) != 0) limits["memory"] = MemoryQuantities[lm];
                var resources = new JsonObject();
                if (requests.Count > 0) resources["requests"] = requests;
                if (limits.Count > 0) resources["limits"] = limits;
                return resources;
            });

    private static readonly Gen<(JsonObject? Resources, bool Sidecar)> GenContainerSpec = Gen.Select(GenResources, Gen.Bool);

    private static JsonObject Container(string name, (JsonObject? Resources, bool Sidecar) spec, bool init)
    {
        var container = new JsonObject { ["name"] = name, ["image"] = "example:1" };
        if (spec.Resources is not null)
        {
            container["resources"] = spec.Resources.DeepClone();
        }

        if (init && spec.Sidecar)
        {
            container["restartPolicy"] = "Always";
        }

        return container;
    }

    internal static readonly Gen<JsonObject> GenPod =
        Gen.Select(GenContainerSpec.Array[1, 4], GenContainerSpec.Array[0, 2], Gen.Bool).Select((containers, inits, annotated) =>
        {
            var metadata = new JsonObject { ["generateName"] = "app-", ["namespace"] = "shop" };
            if (annotated)
            {
                metadata["annotations"] = new JsonObject { ["team"] = "shop", ["resorcerer.io/profile"] = "stale" };
            }

            var spec = new JsonObject { ["containers"] = new JsonArray([.. containers.Select((c, i) => Container(Names[i], c, init: false))]) };
            if (inits.Length > 0)
            {
                spec["initContainers"] = new JsonArray([.. inits.Select((c, i) => Container($"init-{i}", c, init: true))]);
            }

            return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["metadata"] = metadata, ["spec"] = spec };
        });

    private static readonly UsageSummary Seen = new(1, 1, 1, 1, 1, 1000, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(3));

    private static readonly Gen<WorkloadProfile> GenProfile =
        Gen.Select(Gen.Int[0, 31], Gen.Long[1, 8000], Gen.Long[1, 16384], Gen.Bool).Select((mask, cpu, memoryMi, withInit) =>
        {
            var containers = new Dictionary<string, ContainerProfile>();
            for (var i = 0; i < Names.Length; i++)
            {
                if ((mask & (1 << i)) != 0)
                {
                    containers[Names[i]] = new ContainerProfile(
                        new ResourceProfile(cpu + i, cpu, cpu * 2, Seen),
                        i % 2 == 0 ? new ResourceProfile(memoryMi << 20, memoryMi << 20, memoryMi << 21, Seen) : null);
                }
            }

            if (withInit)
            {
                containers["init-0"] = new ContainerProfile(new ResourceProfile(cpu, cpu, cpu, Seen), new ResourceProfile(memoryMi << 20, 1, 1, Seen));
            }

            return new WorkloadProfile
            {
                Workload = new WorkloadRef("shop", "Deployment", "app"),
                UpdatedAt = DateTimeOffset.UnixEpoch,
                Strategy = "resorcerer",
                Containers = containers,
            };
        });

    private static readonly Gen<WorkloadPolicy> GenPolicy =
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Int[0, 7], Gen.Int[0, 3]).Select((off, requestsOnly, excludeMask, bounds) => WorkloadPolicy.Default with
        {
            Mode = off ? UpdateMode.Off : UpdateMode.Initial,
            ControlledValues = requestsOnly ? ControlledValues.RequestsOnly : ControlledValues.RequestsAndLimits,
            ExcludeContainers = Names.Where((_, i) => (excludeMask & (1 << i)) != 0).ToList(),
            Allowed = (bounds & 1) != 0 ? new ResourceBounds(MinCpu: 50, MaxMemory: 2L << 30) : null,
            LimitRange = (bounds & 2) != 0 ? new ResourceBounds(MaxCpu: 3000, MinMemory: 16L << 20) : null,
        });

    private static PodResources Read(JsonNode pod)
    {
        return PodReader.Read(Encoding.UTF8.GetBytes(pod.ToJsonString())).Resources;
    }

    [Fact]
    public void Every_patch_applies_touches_only_resources_and_resorcerer_annotations_and_keeps_qos_and_request_within_limit()
    {
        Gen.Select(GenPod, GenProfile, GenPolicy).Sample((podJson, profile, policy) =>
        {
            var resources = Read(podJson);
            var patch = PodPatchBuilder.Build(resources, profile, policy);

            // 1. It applies cleanly (a strict applier: missing parents and bad indexes throw).
            var patchedJson = JsonPatch.Apply(podJson, PatchOperation.ToJson(patch.Operations));

            // 2. Only resources of ordinary containers and sidecars, and resorcerer.io/* annotations.
            foreach (var operation in patch.Operations)
            {
                var resourcePath = resources.Patchable.Any(c => operation.Path.StartsWith(c.Path + "/resources", StringComparison.Ordinal));
                var annotationPath = operation.Path == "/metadata/annotations"
                    ? operation.Value!.AsObject().All(a => a.Key.StartsWith("resorcerer.io/", StringComparison.Ordinal))
                    : operation.Path.StartsWith("/metadata/annotations/resorcerer.io~1", StringComparison.Ordinal);
                Assert.True(resourcePath || annotationPath, $"{operation.Op} {operation.Path}");
            }

            Assert.Equal("shop", patchedJson["metadata"]!["annotations"]?["team"]?.GetValue<string>() ?? "shop");

            // 3. The QoS class stays, except that a BestEffort pod may become Burstable by gaining requests: as the webhook
            //    judges it, and as Kubernetes' own rule, written apart, does on the pod's JSON.
            var after = Read(patchedJson);
            var (qosBefore, qosAfter) = (Qos.Of(resources), Qos.Of(after));
            Assert.True(qosBefore == qosAfter || (qosBefore == QosClass.BestEffort && qosAfter == QosClass.Burstable), $"{qosBefore} -> {qosAfter}");
            Assert.Equal(KubernetesQos.Of(podJson), qosBefore.ToString());
            var (kubernetesBefore, kubernetesAfter) = (KubernetesQos.Of(podJson), KubernetesQos.Of(patchedJson));
            Assert.True(kubernetesBefore == kubernetesAfter || (kubernetesBefore == "BestEffort" && kubernetesAfter == "Burstable"),
                $"{kubernetesBefore} -> {kubernetesAfter}: {podJson.ToJsonString()} then {patchedJson.ToJsonString()}");

            // 4. No request above its limit, unless the pod came that way (then that container was left alone).
            foreach (var container in after.Containers)
            {
                var original = resources.Containers.Single(c => c.Path == container.Path);
                var wasValid = !(original.Requests.CpuMillicores > original.Limits.CpuMillicores) && !(original.Requests.MemoryBytes > original.Limits.MemoryBytes);
                if (wasValid)
                {
                    Assert.False(container.Requests.CpuMillicores > container.Limits.CpuMillicores, $"{container.Name} cpu");
                    Assert.False(container.Requests.MemoryBytes > container.Limits.MemoryBytes, $"{container.Name} memory");
                }
                else
                {
                    Assert.Equal(original, container);
                }
            }

            // 5. Init containers (not sidecars) and, in mode Off, every container keep their resources.
            foreach (var container in after.Containers.Where(c => c.Role == ContainerRole.Init || policy.Mode == UpdateMode.Off || policy.ExcludeContainers.Contains(c.Name)))
            {
                Assert.Equal(resources.Containers.Single(c => c.Path == container.Path), container);
            }
        }, iter: 2000);
    }
}
