using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Resorcerer.DevKit;

namespace Resorcerer.TestSupport;

/// <summary>What the simulated kubelet does with a resize the API server accepted.</summary>
public enum KubeletAnswer
{
    /// <summary>Applies it: the containers' status resources become the spec's, the resize conditions go.</summary>
    Complete,

    /// <summary><c>PodResizePending</c>, reason <c>Deferred</c>: the node lacks room now.</summary>
    Deferred,

    /// <summary><c>PodResizePending</c>, reason <c>Infeasible</c>: more than the node has.</summary>
    Infeasible,

    /// <summary><c>PodResizeInProgress</c>: started, not finished.</summary>
    InProgress,

    /// <summary><c>PodResizeInProgress</c>, reason <c>Error</c>: the runtime failed to apply it.</summary>
    Error,

    /// <summary>Nothing: the kubelet has not seen the new generation yet.</summary>
    Unseen,
}

/// <summary>
/// Pods in the fake API server, kept as the API server keeps them: list and watch (with resource versions),
/// GET, PATCH of metadata, the <c>resize</c> subresource (JSON, merge and strategic-merge patches) with the API
/// server's refusals (anything but CPU and memory of containers and native sidecars; a change of QoS class), a
/// simulated kubelet that then applies, defers or refuses the resize, the Eviction API (201, or 429 while a
/// PodDisruptionBudget allows no disruption) and core/v1 Events.
/// </summary>
public sealed class FakePods
{
    private readonly object _lock = new();
    private readonly Dictionary<string, JsonObject> _pods = new(StringComparer.Ordinal);
    private readonly List<(long Version, string Type, string Json)> _log = [];
    private readonly Dictionary<string, KubeletAnswer> _kubelet = new(StringComparer.Ordinal);
    private readonly List<Budget> _budgets = [];
    private readonly Func<long> _nextVersion;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal FakePods(Func<long> nextVersion) => _nextVersion = nextVersion;

    /// <summary>The Events recorded, as sent.</summary>
    public ConcurrentQueue<Corev1Event> Events { get; } = new();

    /// <summary>Every resize asked for: the pod, the patch's content type and body, and the status answered.</summary>
    public ConcurrentQueue<(string Pod, string ContentType, string Body, int Status)> Resizes { get; } = new();

    /// <summary>Every eviction asked for, with the status answered.</summary>
    public ConcurrentQueue<(string Pod, int Status)> Evictions { get; } = new();

    /// <summary>Every PATCH of a pod itself (not of its resize), as sent.</summary>
    public ConcurrentQueue<(string Pod, string Body)> Patches { get; } = new();

    /// <summary>What the kubelet does with resizes of pods not given their own answer.</summary>
    public KubeletAnswer Kubelet { get; set; } = KubeletAnswer.Complete;

    /// <summary>When the simulated kubelet answers (condition transition times); the real clock by default.</summary>
    public Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    /// <summary>The newest resource version of any pod change.</summary>
    public long LatestVersion
    {
        get
        {
            lock (_lock)
            {
                return _log.Count == 0 ? 0 : _log[^1].Version;
            }
        }
    }

    /// <summary>
    /// Adds a pod. Without a status it is given one as a kubelet of 1.33 or newer reports it: Running, Ready, each
    /// container's resources as its spec asks (unless <paramref name="reportResources"/> is false: an older kubelet).
    /// </summary>
    public void Add(V1Pod pod, bool reportResources = true)
    {
        var json = JsonNode.Parse(KubernetesJson.Serialize(pod))!.AsObject();
        var metadata = json["metadata"]!.AsObject();
        metadata["uid"] ??= Guid.NewGuid().ToString();
        metadata["generation"] ??= 1L;
        metadata["creationTimestamp"] ??= Clock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (json["status"] is null)
        {
            json["status"] = Status(json, reportResources);
        }

        Record(json, "ADDED");
    }

    /// <summary>The pod as the API server would return it now, or null.</summary>
    public V1Pod? Get(string @namespace, string name)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(@namespace + "/" + name, out var pod) ? KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString()) : null;
        }
    }

    public IReadOnlyList<V1Pod> All()
    {
        lock (_lock)
        {
            return [.. _pods.Values.Select(p => KubernetesJson.Deserialize<V1Pod>(p.ToJsonString()))];
        }
    }

    /// <summary>Changes a pod as a controller or the kubelet would (a container OOM-killed, a readiness change), and tells the watchers.</summary>
    public void Update(string @namespace, string name, Action<JsonObject> change)
    {
        lock (_lock)
        {
            var pod = _pods[@namespace + "/" + name];
            change(pod);
            Record(pod, "MODIFIED");
        }
    }

    /// <summary>Removes a pod, as its deletion finishing does.</summary>
    public void Delete(string @namespace, string name)
    {
        lock (_lock)
        {
            if (_pods.Remove(@namespace + "/" + name, out var pod))
            {
                Append("DELETED", pod);
            }
        }
    }

    /// <summary>What the kubelet does with this pod's resizes.</summary>
    public void KubeletFor(string @namespace, string name, KubeletAnswer answer)
    {
        lock (_lock)
        {
            _kubelet[@namespace + "/" + name] = answer;
        }
    }

    /// <summary>A PodDisruptionBudget over the pods with these labels, allowing this many disruptions (each eviction uses one).</summary>
    public void AddDisruptionBudget(string @namespace, IReadOnlyDictionary<string, string> matchLabels, int disruptionsAllowed)
    {
        lock (_lock)
        {
            _budgets.Add(new Budget(@namespace, matchLabels, disruptionsAllowed));
        }
    }

    /// <summary>The paths this store answers; the others are left to the fake's routes.</summary>
    internal static bool Owns(string path) =>
        path == "/api/v1/pods" || (path.StartsWith("/api/v1/namespaces/", StringComparison.Ordinal) && (path.Contains("/pods", StringComparison.Ordinal) || path.EndsWith("/events", StringComparison.Ordinal)));

    internal async Task HandleAsync(HttpContext context, string path)
    {
        var request = context.Request;
        if (path == "/api/v1/pods" || path.EndsWith("/pods", StringComparison.Ordinal))
        {
            var ns = path == "/api/v1/pods" ? null : path.Split('/')[4];
            if (request.Query["watch"] == "true")
            {
                await WatchAsync(context, ns, long.TryParse(request.Query["resourceVersion"], out var since) ? since : 0);
                return;
            }

            await WriteAsync(context, 200, List(ns));
            return;
        }

        var parts = path.Split('/'); // "", api, v1, namespaces, {ns}, pods|events, {name}, {subresource}
        var key = parts[4] + "/" + (parts.Length > 6 ? parts[6] : string.Empty);
        var body = await new StreamReader(request.Body, Encoding.UTF8).ReadToEndAsync();
        var (status, answer) = (request.Method, parts.Length > 7 ? parts[7] : null, parts[5]) switch
        {
            ("POST", null, "events") => RecordEvent(body),
            ("GET", null, "pods") => Read(key),
            ("PATCH", null, "pods") => PatchMetadata(key, request.ContentType ?? string.Empty, body),
            ("PATCH", "resize", "pods") => Resize(key, request.ContentType ?? string.Empty, body),
            ("POST", "eviction", "pods") => Evict(key, body),
            _ => (405, StatusJson(405, "MethodNotAllowed", $"{request.Method} {path} is not served by this fake")),
        };
        await WriteAsync(context, status, answer);
    }

    private (int, string) Read(string key)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(key, out var pod) ? (200, pod.ToJsonString()) : NotFound(key);
        }
    }

    private (int, string) RecordEvent(string body)
    {
        var recorded = KubernetesJson.Deserialize<Corev1Event>(body);
        if (string.IsNullOrEmpty(recorded.Reason) || recorded.InvolvedObject?.Name is null)
        {
            return (422, StatusJson(422, "Invalid", "Event is invalid: reason and involvedObject are required"));
        }

        recorded.Metadata.Name ??= recorded.Metadata.GenerateName + _nextVersion().ToString(CultureInfo.InvariantCulture);
        Events.Enqueue(recorded);
        return (201, KubernetesJson.Serialize(recorded));
    }

    private (int, string) PatchMetadata(string key, string contentType, string body)
    {
        lock (_lock)
        {
            if (!_pods.TryGetValue(key, out var pod))
            {
                return NotFound(key);
            }

            Patches.Enqueue((key, body));
            var patched = ApplyPatch(pod, contentType, body, out var problem);
            if (patched is null)
            {
                return (problem!.Value.Status, problem.Value.Body);
            }

            // Only metadata is taken here: the spec of a running pod is immutable but for the resize subresource.
            if (!JsonNode.DeepEquals(patched["spec"], pod["spec"]))
            {
                return (422, StatusJson(422, "Invalid", $"Pod \"{pod["metadata"]!["name"]}\" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` or `spec.terminationGracePeriodSeconds`"));
            }

            pod["metadata"] = patched["metadata"]!.DeepClone();
            Record(pod, "MODIFIED");
            return (200, pod.ToJsonString());
        }
    }

    private (int, string) Resize(string key, string contentType, string body)
    {
        lock (_lock)
        {
            var (status, answer) = ResizeLocked(key, contentType, body);
            Resizes.Enqueue((key, contentType, body, status));
            return (status, answer);
        }
    }

    private (int, string) ResizeLocked(string key, string contentType, string body)
    {
        if (!_pods.TryGetValue(key, out var pod))
        {
            return NotFound(key);
        }

        var name = pod["metadata"]!["name"]!.GetValue<string>();
        var patched = ApplyPatch(pod, contentType, body, out var problem);
        if (patched is null)
        {
            return (problem!.Value.Status, problem.Value.Body);
        }

        if (ResizeRefusal(pod, patched) is { } refusal)
        {
            return (422, StatusJson(422, "Invalid", $"Pod \"{name}\" is invalid: {refusal}"));
        }

        if (KubernetesQos.Of(patched) != KubernetesQos.Of(pod))
        {
            return (422, StatusJson(422, "Invalid", $"Pod \"{name}\" is invalid: spec: Forbidden: Pod QOS Class may not change as a result of resizing"));
        }

        pod["spec"] = patched["spec"]!.DeepClone();
        var metadata = pod["metadata"]!.AsObject();
        metadata["generation"] = Generation(pod) + 1;
        Record(pod, "MODIFIED");
        var accepted = pod.ToJsonString();

        var answer = _kubelet.TryGetValue(key, out var own) ? own : Kubelet;
        if (answer != KubeletAnswer.Unseen)
        {
            RunKubelet(pod, answer);
            Record(pod, "MODIFIED");
        }

        return (200, accepted);
    }

    /// <summary>Why the API server refuses the resize, or null: only cpu and memory of containers and native sidecars may change.</summary>
    private static string? ResizeRefusal(JsonObject before, JsonObject after)
    {
        var a = before["spec"]!.DeepClone().AsObject();
        var b = after["spec"]!.DeepClone().AsObject();
        foreach (var list in new[] { "containers", "initContainers" })
        {
            var oldList = a[list] as JsonArray ?? [];
            var newList = b[list] as JsonArray ?? [];
            if (oldList.Count != newList.Count)
            {
                return $"spec.{list}: Forbidden: containers may not be added or removed";
            }

            for (var i = 0; i < oldList.Count; i++)
            {
                var oldContainer = oldList[i]!.AsObject();
                var newContainer = newList[i]!.AsObject();
                var oldResources = oldContainer["resources"]?.DeepClone() as JsonObject ?? [];
                var newResources = newContainer["resources"]?.DeepClone() as JsonObject ?? [];
                if (JsonNode.DeepEquals(oldResources, newResources))
                {
                    continue;
                }

                if (list == "initContainers" && oldContainer["restartPolicy"]?.GetValue<string>() != "Always")
                {
                    return $"spec.initContainers[{i}].resources: Forbidden: only the resources of sidecar (restartPolicy: Always) init containers may be resized";
                }

                foreach (var kind in new[] { "requests", "limits" })
                {
                    foreach (var resource in new[] { oldResources[kind], newResources[kind] }.OfType<JsonObject>().SelectMany(o => o.Select(p => p.Key)).Distinct())
                    {
                        if (resource is not ("cpu" or "memory") && !JsonNode.DeepEquals(oldResources[kind]?[resource], newResources[kind]?[resource]))
                        {
                            return $"spec.{list}[{i}].resources.{kind}[{resource}]: Forbidden: only cpu and memory resources are mutable";
                        }
                    }
                }

                oldContainer.Remove("resources");
                newContainer.Remove("resources");
            }
        }

        return JsonNode.DeepEquals(a, b) ? null : "spec: Forbidden: only cpu and memory resources are mutable";
    }

    private void RunKubelet(JsonObject pod, KubeletAnswer answer)
    {
        var status = pod["status"]!.AsObject();
        var generation = Generation(pod);
        status["observedGeneration"] = generation;
        var conditions = status["conditions"] as JsonArray ?? [];
        foreach (var resizeCondition in conditions.Where(c => c?["type"]?.GetValue<string>() is "PodResizePending" or "PodResizeInProgress").ToList())
        {
            conditions.Remove(resizeCondition);
        }

        var now = Clock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        JsonObject Condition(string type, string? reason, string? message) => new()
        {
            ["type"] = type, ["status"] = "True", ["reason"] = reason, ["message"] = message, ["lastTransitionTime"] = now, ["observedGeneration"] = generation,
        };
        switch (answer)
        {
            case KubeletAnswer.Complete:
                foreach (var (list, statuses) in new[] { ("containers", "containerStatuses"), ("initContainers", "initContainerStatuses") })
                {
                    foreach (var container in pod["spec"]![list] as JsonArray ?? [])
                    {
                        var containerStatus = (status[statuses] as JsonArray)?.FirstOrDefault(s => s?["name"]?.GetValue<string>() == container!["name"]!.GetValue<string>());
                        if (containerStatus is JsonObject reported && reported["resources"] is not null)
                        {
                            reported["resources"] = container!["resources"]?.DeepClone() ?? new JsonObject();
                            reported["allocatedResources"] = container["resources"]?["requests"]?.DeepClone();
                        }
                    }
                }

                break;
            case KubeletAnswer.Deferred:
                conditions.Add(Condition("PodResizePending", "Deferred", "Node didn't have enough resource: cpu, requested: 4000, used: 3500, capacity: 4000"));
                break;
            case KubeletAnswer.Infeasible:
                conditions.Add(Condition("PodResizePending", "Infeasible", "Node didn't have enough capacity: memory, requested: 68719476736, capacity: 33554432000"));
                break;
            case KubeletAnswer.InProgress:
                conditions.Add(Condition("PodResizeInProgress", null, null));
                break;
            case KubeletAnswer.Error:
                conditions.Add(Condition("PodResizeInProgress", "Error", "failed to update container resources: runtime refused the cgroup change"));
                break;
        }

        status["conditions"] = conditions;
    }

    private (int, string) Evict(string key, string body)
    {
        lock (_lock)
        {
            var (status, answer) = EvictLocked(key, body);
            Evictions.Enqueue((key, status));
            return (status, answer);
        }
    }

    private (int, string) EvictLocked(string key, string body)
    {
        if (!_pods.TryGetValue(key, out var pod))
        {
            return NotFound(key);
        }

        var eviction = JsonNode.Parse(body)?.AsObject();
        if (eviction?["kind"]?.GetValue<string>() != "Eviction" || eviction["apiVersion"]?.GetValue<string>() != "policy/v1")
        {
            return (400, StatusJson(400, "BadRequest", "the body is not a policy/v1 Eviction"));
        }

        if (eviction["deleteOptions"]?["preconditions"]?["uid"]?.GetValue<string>() is { } uid && uid != pod["metadata"]!["uid"]!.GetValue<string>())
        {
            return (409, StatusJson(409, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {pod["metadata"]!["uid"]}"));
        }

        var labels = pod["metadata"]!["labels"] as JsonObject;
        var budget = _budgets.FirstOrDefault(b => b.Namespace == key.Split('/')[0]
            && b.MatchLabels.All(l => labels?[l.Key]?.GetValue<string>() == l.Value));
        if (budget is not null)
        {
            if (budget.DisruptionsAllowed <= 0)
            {
                return (429, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","details":{"causes":[{"reason":"DisruptionBudget","message":"The disruption budget needs 2 healthy pods and has 2 currently"}]},"code":429}""");
            }

            budget.DisruptionsAllowed--;
        }

        _pods.Remove(key);
        Append("DELETED", pod);
        return (201, """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}""");
    }

    /// <summary>Applies a JSON, merge or strategic-merge patch; null with the API server's answer when it cannot be.</summary>
    private static JsonObject? ApplyPatch(JsonObject pod, string contentType, string body, out (int Status, string Body)? problem)
    {
        problem = null;
        try
        {
            var patch = JsonNode.Parse(body);
            if (contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal))
            {
                return JsonPatch.Apply(pod, patch!.AsArray()).AsObject();
            }

            if (contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal))
            {
                return (JsonObject)Merge(pod.DeepClone(), patch, strategic: false)!;
            }

            if (contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
            {
                return (JsonObject)Merge(pod.DeepClone(), patch, strategic: true)!;
            }

            problem = (415, StatusJson(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"));
        }
        catch (Exception e) when (e is JsonPatchException or System.Text.Json.JsonException or InvalidOperationException)
        {
            problem = (422, StatusJson(422, "Invalid", $"the patch could not be applied: {e.Message}"));
        }

        return null;
    }

    /// <summary>RFC 7386 merge; strategic: lists of objects with a <c>name</c> merge by name, as Kubernetes merges containers.</summary>
    private static JsonNode? Merge(JsonNode? target, JsonNode? patch, bool strategic)
    {
        if (patch is JsonArray patchList && strategic && target is JsonArray targetList && patchList.All(i => i?["name"] is not null))
        {
            foreach (var item in patchList)
            {
                var name = item!["name"]!.GetValue<string>();
                var existing = targetList.FirstOrDefault(t => t?["name"]?.GetValue<string>() == name);
                if (existing is null)
                {
                    targetList.Add(item.DeepClone());
                }
                else
                {
                    var index = targetList.IndexOf(existing);
                    targetList[index] = Merge(existing.DeepClone(), item, strategic);
                }
            }

            return targetList;
        }

        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Merge(result[name]?.DeepClone(), value, strategic);
                result[name] = merged;
            }
        }

        return result;
    }

    private string List(string? ns)
    {
        lock (_lock)
        {
            var items = new JsonArray([.. _pods.Values.Where(p => ns is null || p["metadata"]!["namespace"]!.GetValue<string>() == ns).Select(p => p.DeepClone())]);
            var list = new JsonObject
            {
                ["kind"] = "PodList", ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = (_log.Count == 0 ? 1 : _log[^1].Version).ToString(CultureInfo.InvariantCulture) },
                ["items"] = items,
            };
            return list.ToJsonString();
        }
    }

    /// <summary>Streams the changes after <paramref name="since"/>, then each new one, until the client goes.</summary>
    private async Task WatchAsync(HttpContext context, string? ns, long since)
    {
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync();
        var sent = since;
        while (!context.RequestAborted.IsCancellationRequested)
        {
            List<(long Version, string Type, string Json)> pending;
            Task changed;
            lock (_lock)
            {
                pending = [.. _log.Where(e => e.Version > sent)];
                changed = _changed.Task;
            }

            foreach (var (version, type, json) in pending)
            {
                sent = version;
                if (ns is not null && JsonNode.Parse(json)!["metadata"]!["namespace"]!.GetValue<string>() != ns)
                {
                    continue;
                }

                await context.Response.WriteAsync($$"""{"type":"{{type}}","object":{{json}}}""" + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }

            try
            {
                await changed.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Record(JsonObject pod, string type)
    {
        lock (_lock)
        {
            var key = pod["metadata"]!["namespace"]!.GetValue<string>() + "/" + pod["metadata"]!["name"]!.GetValue<string>();
            _pods[key] = pod;
            Append(type, pod);
        }
    }

    private void Append(string type, JsonObject pod)
    {
        var version = _nextVersion();
        pod["metadata"]!["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        _log.Add((version, type, pod.ToJsonString()));
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    /// <summary>A status as a kubelet of 1.33+ reports it for a pod that has just become Ready.</summary>
    private JsonObject Status(JsonObject pod, bool reportResources)
    {
        var now = Clock().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        JsonArray Statuses(string list) => new([.. (pod["spec"]?[list] as JsonArray ?? []).Select(c =>
        {
            var status = new JsonObject
            {
                ["name"] = c!["name"]!.DeepClone(), ["ready"] = true, ["restartCount"] = 0, ["image"] = c["image"]?.DeepClone() ?? "app:1", ["imageID"] = "",
                ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
            };
            if (reportResources)
            {
                status["resources"] = c["resources"]?.DeepClone() ?? new JsonObject();
                status["allocatedResources"] = c["resources"]?["requests"]?.DeepClone();
            }

            return (JsonNode)status;
        })]);
        return new JsonObject
        {
            ["phase"] = "Running",
            ["observedGeneration"] = pod["metadata"]!["generation"]!.DeepClone(),
            ["qosClass"] = KubernetesQos.Of(pod),
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastTransitionTime"] = now },
                new JsonObject { ["type"] = "Ready", ["status"] = "True", ["lastTransitionTime"] = now }),
            ["containerStatuses"] = Statuses("containers"),
            ["initContainerStatuses"] = Statuses("initContainers"),
        };
    }

    private static long Generation(JsonObject pod) => long.Parse(pod["metadata"]!["generation"]!.ToJsonString(), CultureInfo.InvariantCulture);

    private static (int, string) NotFound(string key) => (404, StatusJson(404, "NotFound", $"pods \"{key.Split('/')[^1]}\" not found"));

    private static string StatusJson(int code, string reason, string message) => new JsonObject
    {
        ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = message, ["reason"] = reason, ["code"] = code,
    }.ToJsonString();

    private static async Task WriteAsync(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body));
    }

    private sealed class Budget(string @namespace, IReadOnlyDictionary<string, string> matchLabels, int disruptionsAllowed)
    {
        public string Namespace { get; } = @namespace;

        public IReadOnlyDictionary<string, string> MatchLabels { get; } = matchLabels;

        public int DisruptionsAllowed { get; set; } = disruptionsAllowed;
    }
}
