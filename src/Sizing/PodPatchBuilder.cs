using System.Globalization;
using System.Text.Json.Nodes;
using Resorcerer.Profiles;
using Resorcerer.Quantities;

namespace Resorcerer.Sizing;

/// <summary>One value the patch changes, for the readable record on the pod.</summary>
public sealed record ResourceChange(string Container, string Resource, string Kind, string? From, string To)
{
    public override string ToString() => $"{Resource} {Kind} {From ?? "unset"} -> {To}";
}

/// <summary>
/// What is asked of the sizing beyond the profile's targets: whether the pod is new or running, and targets that
/// stand in for the profile's (a start-up boost and its end, the memory guard, an OOM kill).
/// </summary>
public sealed record SizingRequest
{
    public static SizingRequest ForNewPod { get; } = new();

    /// <summary>Why the profile must not be applied (too old, built on too little history); null to apply it.</summary>
    public string? Hold { get; init; }

    /// <summary>Edges each way in the connection-profile annotation; 0 leaves it out.</summary>
    public int MaxConnectionEdges { get; init; } = ConnectionAnnotation.DefaultMaxEdges;

    /// <summary>
    /// The pod runs and is resized in place: its QoS class may not change at all (a new BestEffort pod may become
    /// Burstable by gaining requests; a running one may not).
    /// </summary>
    public bool Running { get; init; }

    /// <summary>Whether the profile's targets are used; when false, only <see cref="CpuTargets"/> and <see cref="MemoryTargets"/> change anything.</summary>
    public bool UseProfile { get; init; } = true;

    /// <summary>CPU (millicores) per container name, instead of the profile's target.</summary>
    public IReadOnlyDictionary<string, long>? CpuTargets { get; init; }

    /// <summary>Memory (bytes) per container name, instead of the profile's target.</summary>
    public IReadOnlyDictionary<string, long>? MemoryTargets { get; init; }

    /// <summary>A new pod's start-up boost: CPU above the target until the updater resizes it down.</summary>
    public CpuStartupBoost? Boost { get; init; }
}

/// <summary>The patch for a pod: the operations, the changes they make, and the annotations they add.</summary>
public sealed record PodPatch(
    IReadOnlyList<PatchOperation> Operations,
    IReadOnlyList<ResourceChange> Changes,
    IReadOnlyDictionary<string, string> Annotations)
{
    /// <summary>
    /// Why the requests were not applied although a profile was, when the pod itself forbids them: <c>qos_change</c>
    /// (its QoS class would change) or <c>unschedulable</c> (it would fit no node). <see cref="HeldWhy"/> says it in words.
    /// </summary>
    public string? Held { get; init; }

    public string? HeldWhy { get; init; }

    public bool IsEmpty => Operations.Count == 0;

    /// <summary>The operations on containers' resources alone (what a resize sends); the rest are annotations.</summary>
    public IReadOnlyList<PatchOperation> ResourceOperations => Operations.Where(o => !o.Path.StartsWith("/metadata/", StringComparison.Ordinal)).ToList();

    /// <summary>True when the patch sets resources; false when it only annotates (mode Off, held, nothing to change).</summary>
    public bool ChangesResources => Changes.Count > 0;

    /// <summary>The operations as the JSON array kube-apiserver expects (written once).</summary>
    public ReadOnlyMemory<byte> Json => _json ??= PatchOperation.ToJson(Operations);

    /// <summary>
    /// <see cref="Json"/> as an AdmissionReview answer carries it: base64, as a JSON string with its quotes (base64
    /// needs no escaping). Made once: a remembered patch answers thousands of admissions.
    /// </summary>
    public ReadOnlyMemory<byte> QuotedBase64Json => _quotedBase64 ??= QuotedBase64(Json.Span);

    private byte[]? _json;
    private byte[]? _quotedBase64;

    private static byte[] QuotedBase64(ReadOnlySpan<byte> json)
    {
        var encoded = new byte[System.Buffers.Text.Base64.GetMaxEncodedToUtf8Length(json.Length) + 2];
        encoded[0] = (byte)'"';
        System.Buffers.Text.Base64.EncodeToUtf8(json, encoded.AsSpan(1), out _, out var written);
        encoded[written + 1] = (byte)'"';
        return encoded.AsSpan(0, written + 2).ToArray();
    }
}

/// <summary>
/// Builds the JSON Patch that gives a new pod its profile's requests. The single place where patches are made:
/// explicit operations in a fixed order (containers in pod order, then annotations), never a diff. Pure: the
/// same pod, profile and policy always give the same patch.
/// <list type="bullet">
/// <item>Ordinary containers and native sidecars named in the profile get its targets, bounded first by the
/// policy's allowed range, then by the namespace's LimitRange; excluded and init containers are left alone.</item>
/// <item>Limits that were set keep their ratio to the request (unless <c>RequestsOnly</c>), within the LimitRange
/// maximum; no request ends above its limit; no limit is added.</item>
/// <item>The pod's QoS class does not change, except BestEffort becoming Burstable (the pod gains requests):
/// a patch that would change it otherwise is not applied. Nor is one that would make the pod ask for more than
/// the cluster's largest node can give (the profile's <c>largestNode</c>, else <see cref="NodeSize.Beyond"/>).</item>
/// <item>In mode <c>Off</c>, or when the caller holds the profile back, the pod only gets the annotations.</item>
/// </list>
/// </summary>
public static class PodPatchBuilder
{
    private const string Cpu = "cpu", Memory = "memory";

    /// <summary>The patch for a new pod of the profiled workload under its policy.</summary>
    /// <param name="pod">The pod's containers as admitted.</param>
    /// <param name="profile">The workload's profile.</param>
    /// <param name="policy">The workload's effective policy.</param>
    /// <param name="hold">Why the profile must not be applied (too old, too little history); null to apply it.</param>
    /// <param name="maxConnectionEdges">Edges each way in the connection-profile annotation; 0 leaves it out.</param>
    public static PodPatch Build(PodResources pod, WorkloadProfile profile, WorkloadPolicy policy, string? hold = null,
        int maxConnectionEdges = ConnectionAnnotation.DefaultMaxEdges) =>
        Build(pod, profile, policy, new SizingRequest { Hold = hold, MaxConnectionEdges = maxConnectionEdges });

    /// <summary>The patch for a pod of the profiled workload under its policy, new or running (<paramref name="request"/>).</summary>
    public static PodPatch Build(PodResources pod, WorkloadProfile profile, WorkloadPolicy policy, SizingRequest request)
    {
        var hold = request.Hold;
        var excluded = policy.ExcludeContainers.ToHashSet(StringComparer.Ordinal);
        var largest = profile.LargestNode ?? NodeSize.Beyond;
        var plans = new List<(ContainerResources Container, ResourceAmounts Requests, ResourceAmounts Limits)>();
        var cpuProfile = new JsonObject();
        var memoryProfile = new JsonObject();
        var notes = new List<string>();
        var boosted = new JsonObject();
        foreach (var container in pod.Patchable)
        {
            var containerProfile = request.UseProfile ? profile.Containers.GetValueOrDefault(container.Name) : null;
            long? wantedCpu = request.CpuTargets?.TryGetValue(container.Name, out var cpuOverride) == true ? cpuOverride : containerProfile?.Cpu?.Target;
            long? wantedMemory = request.MemoryTargets?.TryGetValue(container.Name, out var memoryOverride) == true ? memoryOverride : containerProfile?.Memory?.Target;
            if (wantedCpu is null && wantedMemory is null)
            {
                continue;
            }

            if (excluded.Contains(container.Name))
            {
                notes.Add($"{container.Name}: excluded by {ResorcererKeys.ExcludeContainersAnnotation}");
                continue;
            }

            var cpuTarget = wantedCpu is { } cpu ? Bounded(cpu, policy.Allowed?.MinCpu, policy.Allowed?.MaxCpu, policy.LimitRange?.MinCpu, policy.LimitRange?.MaxCpu) : (long?)null;
            var memoryTarget = wantedMemory is { } memory ? Bounded(memory, policy.Allowed?.MinMemory, policy.Allowed?.MaxMemory, policy.LimitRange?.MinMemory, policy.LimitRange?.MaxMemory) : (long?)null;
            if (request.Boost is { } boost && cpuTarget is { } unboosted && unboosted > 0)
            {
                // The boost goes above the user's bounds, never above the LimitRange's: the API server would refuse the pod.
                boosted[container.Name] = Quantity.FormatMillicores(unboosted);
                cpuTarget = Math.Min(boost.Boost(unboosted), policy.LimitRange?.MaxCpu ?? long.MaxValue);
            }

            if (cpuTarget is { } c)
            {
                cpuProfile[container.Name] = Quantity.FormatMillicores(c);
            }

            if (memoryTarget is { } m)
            {
                memoryProfile[container.Name] = Quantity.FormatBytes(m);
            }

            if (cpuTarget <= 0 || memoryTarget <= 0)
            {
                // Kubernetes counts a zero amount as unset: a zero request would change the pod's QoS class, and means nothing.
                notes.Add($"{container.Name}: left alone (the profile asks for no {(cpuTarget <= 0 ? "CPU" : "memory")} at all)");
                continue;
            }

            var cpuPlan = Resource(Amount.Cpu(container.Requests), Amount.Cpu(container.Limits), cpuTarget, policy.ControlledValues,
                policy.LimitRange?.MaxCpu, largest.Cpu, limit => limit);
            var memoryPlan = Resource(Amount.Memory(container.Requests), Amount.Memory(container.Limits), memoryTarget, policy.ControlledValues,
                policy.LimitRange?.MaxMemory, largest.Memory, Quantity.RoundUpToMebibytes);
            if (cpuPlan is null || memoryPlan is null)
            {
                notes.Add($"{container.Name}: left alone (its request is above its limit)");
                continue;
            }

            plans.Add((container,
                Planned(container.Requests, cpuPlan.Value.Request, memoryPlan.Value.Request),
                Planned(container.Limits, cpuPlan.Value.Limit, memoryPlan.Value.Limit)));
        }

        if (plans.Count == 0 && notes.Count == 0)
        {
            return new PodPatch([], [], new Dictionary<string, string>());
        }

        hold ??= policy.Mode == UpdateMode.Off ? $"mode {UpdateMode.Off} ({ResorcererKeys.ModeAnnotation}): requests left as they are" : null;
        string? held = null;
        if (hold is null && QosChange(pod, plans, request.Running) is { } qos)
        {
            (hold, held) = (qos, "qos_change");
        }

        if (hold is null && Unschedulable(pod, plans, largest) is { } unschedulable)
        {
            (hold, held) = (unschedulable, "unschedulable");
        }

        var operations = new List<PatchOperation>();
        var changes = new List<ResourceChange>();
        var updates = new List<string>();
        if (hold is not null)
        {
            updates.Add($"not applied: {hold}");
        }
        else
        {
            foreach (var (container, requests, limits) in plans)
            {
                operations.AddRange(ContainerOperations(container, requests, limits));
                var containerChanges = Changes(container, requests, limits);
                changes.AddRange(containerChanges);
                updates.Add(containerChanges.Count == 0
                    ? $"{container.Name}: unchanged"
                    : $"{container.Name}: {string.Join(", ", containerChanges)}");
            }
        }

        updates.AddRange(notes);
        var annotations = new Dictionary<string, string>
        {
            [ResorcererKeys.ProfileAnnotation] = profile.Workload.ToString(),
            [ResorcererKeys.ProfileUpdatedAnnotation] = profile.UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            [ResorcererKeys.CpuProfileAnnotation] = cpuProfile.ToJsonString(PatchOperation.Readable),
            [ResorcererKeys.MemoryProfileAnnotation] = memoryProfile.ToJsonString(PatchOperation.Readable),
            [ResorcererKeys.UpdatesAnnotation] = string.Join("; ", updates),
        };
        if (boosted.Count > 0 && hold is null)
        {
            annotations[ResorcererKeys.CpuBoostTargetAnnotation] = boosted.ToJsonString(PatchOperation.Readable);
        }

        if (ConnectionAnnotation.Format(profile.Connections, request.MaxConnectionEdges) is { } connections)
        {
            annotations[ResorcererKeys.ConnectionProfileAnnotation] = connections;
        }

        operations.AddRange(AnnotationOperations(pod.HasAnnotations, annotations));
        return new PodPatch(operations, changes, annotations) { Held = held, HeldWhy = held is null ? null : hold };
    }

    /// <summary>The target within the user's bounds, then within the LimitRange's (which wins).</summary>
    private static long Bounded(long target, long? allowedMin, long? allowedMax, long? rangeMin, long? rangeMax)
    {
        var value = Math.Min(Math.Max(target, allowedMin ?? 0), allowedMax ?? long.MaxValue);
        return Math.Min(Math.Max(value, rangeMin ?? 0), rangeMax ?? long.MaxValue);
    }

    /// <summary>
    /// The planned amounts; a value the plan leaves as it was keeps its exact amount (no operation writes it, so the
    /// pod keeps it, and the QoS check must see it).
    /// </summary>
    private static ResourceAmounts Planned(ResourceAmounts before, long? cpu, long? memory) => new(cpu, memory)
    {
        UnroundedCpuCores = cpu == before.CpuMillicores ? before.UnroundedCpuCores : null,
        UnroundedMemoryBytes = memory == before.MemoryBytes ? before.UnroundedMemoryBytes : null,
    };

    /// <summary>One resource's amount as the pod gives it: rounded to whole units, and exactly (in the same unit).</summary>
    private readonly record struct Amount(long? Rounded, decimal? Exact)
    {
        public static Amount Cpu(ResourceAmounts amounts) => new(amounts.CpuMillicores, amounts.ExactCpuCores * 1000m);

        public static Amount Memory(ResourceAmounts amounts) => new(amounts.MemoryBytes, amounts.ExactMemoryBytes);
    }

    /// <summary>
    /// The new request and limit of one resource, or null when the container must be left alone. Equality of request
    /// and limit is judged on exact values, and kept or avoided after rounding, so that rounding never changes a
    /// pod's QoS class: a request equal to its limit stays equal, one below it stays below. A scaled limit stays
    /// within the LimitRange's maximum, and within the largest node (a container can use no more) unless the old
    /// limit already was above it.
    /// </summary>
    private static (long? Request, long? Limit)? Resource(
        Amount request, Amount limit, long? target, ControlledValues controlled, long? rangeMax, long nodeMax, Func<long, long> roundLimit)
    {
        // Kubernetes defaults a missing request to the limit, so that is the request the ratio is taken from.
        var current = request.Rounded ?? limit.Rounded;
        var exactCurrent = request.Exact ?? limit.Exact;
        if (exactCurrent > limit.Exact)
        {
            return null;
        }

        if (target is not { } wanted)
        {
            return (request.Rounded, limit.Rounded);
        }

        if (limit.Rounded is not { } oldLimit)
        {
            return (wanted, null);
        }

        if (controlled == ControlledValues.RequestsOnly)
        {
            // Never above the limit as it is, exactly: 1500u rounds up to 2m, a request of 2m would exceed it.
            return (Math.Min(wanted, (long)decimal.Floor(limit.Exact ?? oldLimit)), oldLimit);
        }

        if (exactCurrent == limit.Exact)
        {
            // Request equal to limit (Guaranteed, or a limit-only container) stays equal.
            return (wanted, wanted);
        }

        // Scaled limits round up (memory to whole MiB, so that they read well), stay within the LimitRange maximum,
        // and stay above the request, as they were.
        var ceiling = Math.Min(rangeMax ?? long.MaxValue, Math.Max(nodeMax, oldLimit));
        var scaled = current is > 0 ? roundLimit((long)Math.Min(decimal.Ceiling((decimal)oldLimit * wanted / current.Value), ceiling)) : oldLimit;
        var newLimit = Math.Max(Math.Min(scaled, ceiling), wanted);
        if (newLimit == wanted && roundLimit(wanted + 1) is var above && above <= ceiling)
        {
            newLimit = above;
        }

        // Where the LimitRange leaves no room above the request, the QoS check below holds the patch back.
        return (wanted, newLimit);
    }

    /// <summary>Why the plans would change the pod's QoS class in a way that is not allowed, or null.</summary>
    private static string? QosChange(PodResources pod, List<(ContainerResources Container, ResourceAmounts Requests, ResourceAmounts Limits)> plans, bool running)
    {
        var before = Qos.Of(pod);
        var planned = plans.ToDictionary(p => p.Container.Path);
        var after = Qos.Of(pod.Containers.Select(c => planned.TryGetValue(c.Path, out var p) ? (p.Requests, p.Limits) : (c.Requests, c.Limits)));
        return after == before || (!running && before == QosClass.BestEffort && after == QosClass.Burstable)
            ? null
            : $"the new requests would turn the pod's QoS class from {before} into {after}";
    }

    /// <summary>Why the plans would make the pod ask for more than the largest node can give (where it did not before), or null.</summary>
    private static string? Unschedulable(PodResources pod, List<(ContainerResources Container, ResourceAmounts Requests, ResourceAmounts Limits)> plans, NodeSize largest)
    {
        // What the scheduler adds up: the containers that run together (ordinary ones and native sidecars).
        var planned = plans.ToDictionary(p => p.Container.Path, p => p.Requests);
        long cpuBefore = 0, memoryBefore = 0, cpuAfter = 0, memoryAfter = 0;
        foreach (var container in pod.Patchable)
        {
            var before = container.EffectiveRequests;
            var after = planned.TryGetValue(container.Path, out var requests) ? requests : before;
            (cpuBefore, memoryBefore) = (cpuBefore + (before.CpuMillicores ?? 0), memoryBefore + (before.MemoryBytes ?? 0));
            (cpuAfter, memoryAfter) = (cpuAfter + (after.CpuMillicores ?? 0), memoryAfter + (after.MemoryBytes ?? 0));
        }

        return cpuAfter > largest.Cpu && cpuAfter > cpuBefore
            ? $"the new requests add up to {Quantity.FormatMillicores(cpuAfter)} CPU, more than the largest node can give ({Quantity.FormatMillicores(largest.Cpu)})"
            : memoryAfter > largest.Memory && memoryAfter > memoryBefore
            ? $"the new requests add up to {Quantity.FormatBytes(memoryAfter)} of memory, more than the largest node can give ({Quantity.FormatBytes(largest.Memory)})"
            : null;
    }

    /// <summary>
    /// The operations that give one container these requests and limits, and what they change: only the amounts
    /// that differ are written, and missing parent objects (<c>resources</c>, <c>requests</c>, <c>limits</c>) are
    /// created first. For a pod's <c>resize</c> subresource as much as for a new pod.
    /// </summary>
    public static (IReadOnlyList<PatchOperation> Operations, IReadOnlyList<ResourceChange> Changes) ContainerPatch(
        ContainerResources container, ResourceAmounts requests, ResourceAmounts limits) =>
        ([.. ContainerOperations(container, requests, limits)], Changes(container, requests, limits));

    private static IEnumerable<PatchOperation> ContainerOperations(ContainerResources container, ResourceAmounts plannedRequests, ResourceAmounts plannedLimits)
    {
        var resources = container.Path + "/resources";
        var requests = Changed(container.Requests, plannedRequests);
        var limits = Changed(container.Limits, plannedLimits);
        if (requests.Count == 0 && limits.Count == 0)
        {
            yield break;
        }

        if (!container.HasResources)
        {
            // One add creates the whole object.
            var whole = new JsonObject();
            if (requests.Count > 0)
            {
                whole["requests"] = ToObject(requests);
            }

            if (limits.Count > 0)
            {
                whole["limits"] = ToObject(limits);
            }

            yield return PatchOperation.Add(resources, whole);
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

    private static List<ResourceChange> Changes(ContainerResources container, ResourceAmounts requests, ResourceAmounts limits)
    {
        var changes = new List<ResourceChange>();
        Add(Cpu, "request", container.Requests.CpuMillicores, requests.CpuMillicores, Quantity.FormatMillicores);
        Add(Memory, "request", container.Requests.MemoryBytes, requests.MemoryBytes, Quantity.FormatBytes);
        Add(Cpu, "limit", container.Limits.CpuMillicores, limits.CpuMillicores, Quantity.FormatMillicores);
        Add(Memory, "limit", container.Limits.MemoryBytes, limits.MemoryBytes, Quantity.FormatBytes);
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
