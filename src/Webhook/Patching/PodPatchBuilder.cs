using System.Text.Json.Nodes;
using Resorcerer.Profiles;
using Resorcerer.Quantities;

namespace Resorcerer.Webhook.Patching;

/// <summary>One value the patch changes, for the readable record on the pod.</summary>
public sealed record ResourceChange(string Container, string Resource, string Kind, string? From, string To)
{
    public override string ToString() => $"{Resource} {Kind} {From ?? "unset"} -> {To}";
}

/// <summary>The patch for a pod: the operations, the changes they make, and the annotations they add.</summary>
public sealed record PodPatch(
    IReadOnlyList<PatchOperation> Operations,
    IReadOnlyList<ResourceChange> Changes,
    IReadOnlyDictionary<string, string> Annotations)
{
    public bool IsEmpty => Operations.Count == 0;
}

/// <summary>
/// Builds the JSON Patch that gives a new pod its profile's requests. The single place where patches are
/// made: explicit operations in a fixed order (containers by index, then annotations), never a diff.
/// Pure: the same pod, profile and policy always give the same patch.
/// </summary>
public static class PodPatchBuilder
{
    private const string Cpu = "cpu", Memory = "memory";

    public static PodPatch Build(PodResources pod, WorkloadProfile profile, WorkloadPolicy policy)
    {
        var operations = new List<PatchOperation>();
        var changes = new List<ResourceChange>();
        var cpuProfile = new JsonObject();
        var memoryProfile = new JsonObject();
        var updates = new List<string>();

        foreach (var container in pod.Containers)
        {
            if (!profile.Containers.TryGetValue(container.Name, out var containerProfile))
            {
                continue;
            }

            var plan = Plan(container, containerProfile, policy);
            if (plan is null)
            {
                updates.Add($"{container.Name}: left alone (its request is above its limit)");
                continue;
            }

            if (containerProfile.Cpu is { } cpu)
            {
                cpuProfile[container.Name] = Quantity.FormatMillicores(cpu.Target);
            }

            if (containerProfile.Memory is { } memory)
            {
                memoryProfile[container.Name] = Quantity.FormatBytes(memory.Target);
            }

            operations.AddRange(ContainerOperations(container, plan.Value));
            var containerChanges = Changes(container, plan.Value);
            changes.AddRange(containerChanges);
            updates.Add(containerChanges.Count == 0
                ? $"{container.Name}: unchanged"
                : $"{container.Name}: {string.Join(", ", containerChanges)}");
        }

        if (updates.Count == 0)
        {
            return new PodPatch([], [], new Dictionary<string, string>());
        }

        var annotations = new Dictionary<string, string>
        {
            [ResorcererKeys.ProfileAnnotation] = profile.Workload.ToString(),
            [ResorcererKeys.ProfileUpdatedAnnotation] = profile.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            [ResorcererKeys.CpuProfileAnnotation] = cpuProfile.ToJsonString(PatchOperation.Readable),
            [ResorcererKeys.MemoryProfileAnnotation] = memoryProfile.ToJsonString(PatchOperation.Readable),
            [ResorcererKeys.UpdatesAnnotation] = string.Join("; ", updates),
        };
        operations.AddRange(AnnotationOperations(pod.HasAnnotations, annotations));
        return new PodPatch(operations, changes, annotations);
    }

    /// <summary>The requests and limits a container ends up with, or null when it must be left alone.</summary>
    private static (ResourceAmounts Requests, ResourceAmounts Limits)? Plan(
        ContainerResources container, ContainerProfile profile, WorkloadPolicy policy)
    {
        var cpu = Resource(container.Requests.CpuMillicores, container.Limits.CpuMillicores, profile.Cpu?.Target, policy, limit => limit);
        var memory = Resource(container.Requests.MemoryBytes, container.Limits.MemoryBytes, profile.Memory?.Target, policy, Quantity.RoundUpToMebibytes);
        if (cpu is null || memory is null)
        {
            return null;
        }

        return (new ResourceAmounts(cpu.Value.Request, memory.Value.Request), new ResourceAmounts(cpu.Value.Limit, memory.Value.Limit));
    }

    private static (long? Request, long? Limit)? Resource(long? request, long? limit, long? target, WorkloadPolicy policy, Func<long, long> roundLimit)
    {
        // Kubernetes defaults a missing request to the limit, so that is the request the ratio is taken from.
        var current = request ?? limit;
        if (current is { } c && limit is { } l && c > l)
        {
            return null;
        }

        if (target is not { } wanted)
        {
            return (request, limit);
        }

        if (limit is not { } oldLimit)
        {
            return (wanted, null);
        }

        if (policy.ControlledValues == ControlledValues.RequestsOnly)
        {
            return (Math.Min(wanted, oldLimit), oldLimit);
        }

        if (current == oldLimit)
        {
            // Request equal to limit (Guaranteed, or a limit-only container) stays equal: no rounding may part them.
            return (wanted, wanted);
        }

        // Scaled limits round up (memory to whole MiB, so that they read well) and never fall below the request.
        var newLimit = current is > 0
            ? roundLimit((long)decimal.Ceiling((decimal)oldLimit * wanted / current.Value))
            : oldLimit;
        return (wanted, Math.Max(newLimit, wanted));
    }

    private static IEnumerable<PatchOperation> ContainerOperations(ContainerResources container, (ResourceAmounts Requests, ResourceAmounts Limits) plan)
    {
        var resources = $"/spec/containers/{container.Index}/resources";
        var requests = Changed(container.Requests, plan.Requests);
        var limits = Changed(container.Limits, plan.Limits);
        if (requests.Count == 0 && limits.Count == 0)
        {
            yield break;
        }

        if (!container.HasResources)
        {
            // A container without resources can have no limits either: one add creates the whole object.
            yield return PatchOperation.Add(resources, new JsonObject { ["requests"] = ToObject(requests) });
            yield break;
        }

        foreach (var operation in Section(resources + "/requests", container.HasRequests, requests))
        {
            yield return operation;
        }

        foreach (var operation in Section(resources + "/limits", container.HasLimits, limits))
        {
            yield return operation;
        }
    }

    private static IEnumerable<PatchOperation> Section(string path, bool exists, List<(string Name, string Value, bool Existed)> values)
    {
        if (values.Count == 0)
        {
            yield break;
        }

        if (!exists)
        {
            yield return PatchOperation.Add(path, ToObject(values));
            yield break;
        }

        foreach (var (name, value, existed) in values)
        {
            yield return existed
                ? PatchOperation.Replace($"{path}/{name}", JsonValue.Create(value))
                : PatchOperation.Add($"{path}/{name}", JsonValue.Create(value));
        }
    }

    /// <summary>The values that differ from what the container has: (resource name, new quantity, was set before).</summary>
    private static List<(string Name, string Value, bool Existed)> Changed(ResourceAmounts before, ResourceAmounts after)
    {
        var changed = new List<(string, string, bool)>();
        if (after.CpuMillicores is { } cpu && cpu != before.CpuMillicores)
        {
            changed.Add((Cpu, Quantity.FormatMillicores(cpu), before.CpuMillicores.HasValue));
        }

        if (after.MemoryBytes is { } memory && memory != before.MemoryBytes)
        {
            changed.Add((Memory, Quantity.FormatBytes(memory), before.MemoryBytes.HasValue));
        }

        return changed;
    }

    private static List<ResourceChange> Changes(ContainerResources container, (ResourceAmounts Requests, ResourceAmounts Limits) plan)
    {
        var changes = new List<ResourceChange>();
        Add(Cpu, "request", container.Requests.CpuMillicores, plan.Requests.CpuMillicores, Quantity.FormatMillicores);
        Add(Memory, "request", container.Requests.MemoryBytes, plan.Requests.MemoryBytes, Quantity.FormatBytes);
        Add(Cpu, "limit", container.Limits.CpuMillicores, plan.Limits.CpuMillicores, Quantity.FormatMillicores);
        Add(Memory, "limit", container.Limits.MemoryBytes, plan.Limits.MemoryBytes, Quantity.FormatBytes);
        return changes;

        void Add(string resource, string kind, long? from, long? to, Func<long, string> format)
        {
            if (to is { } value && value != from)
            {
                changes.Add(new ResourceChange(container.Name, resource, kind, from is { } f ? format(f) : null, format(value)));
            }
        }
    }

    private static JsonObject ToObject(List<(string Name, string Value, bool Existed)> values)
    {
        var result = new JsonObject();
        foreach (var (name, value, _) in values)
        {
            result[name] = value;
        }

        return result;
    }

    private static IEnumerable<PatchOperation> AnnotationOperations(bool hasAnnotations, Dictionary<string, string> annotations)
    {
        if (!hasAnnotations)
        {
            var all = new JsonObject();
            foreach (var (key, value) in annotations)
            {
                all[key] = value;
            }

            return [PatchOperation.Add("/metadata/annotations", all)];
        }

        // "add" on an existing member replaces it (RFC 6902), which is what a re-admitted pod needs.
        return annotations.Select(a => PatchOperation.Add("/metadata/annotations/" + PatchOperation.Escape(a.Key), JsonValue.Create(a.Value)));
    }
}
