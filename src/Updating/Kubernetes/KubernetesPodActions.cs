using System.Net;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Resorcerer.Sizing;
using Resorcerer.Updating.Planning;

namespace Resorcerer.Updating.Kubernetes;

/// <summary>The pod actions through KubernetesClient: JSON Patch on <c>pods/resize</c>, <c>policy/v1</c> Evictions, merge patches of annotations, <c>core/v1</c> Events.</summary>
public sealed class KubernetesPodActions(Func<IKubernetes> connect, ILogger<KubernetesPodActions> logger, string component = KubernetesPodActions.Updater) : IPodActions
{
    /// <summary>The updater, as the Events it records name it (their <c>source.component</c> and <c>reportingComponent</c>).</summary>
    public const string Updater = "resorcerer-updater";

    private static readonly string Instance = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName;

    public async Task<ActionOutcome> ResizeAsync(RunningPod pod, IReadOnlyList<PatchOperation> operations, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(Encoding.UTF8.GetString(PatchOperation.ToJson(operations)), V1Patch.PatchType.JsonPatch);
        return await CallAsync(() => connect().CoreV1.PatchNamespacedPodResizeAsync(patch, pod.Name, pod.Namespace, fieldManager: component, cancellationToken: cancellationToken));
    }

    public async Task<ActionOutcome> EvictAsync(RunningPod pod, CancellationToken cancellationToken)
    {
        var eviction = new V1Eviction
        {
            ApiVersion = "policy/v1",
            Kind = "Eviction",
            Metadata = new V1ObjectMeta { Name = pod.Name, NamespaceProperty = pod.Namespace },
            // Only this pod, as the updater saw it: a replacement with the same name is not evicted by mistake.
            DeleteOptions = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Uid } },
        };
        return await CallAsync(() => connect().CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod.Name, pod.Namespace, cancellationToken: cancellationToken));
    }

    public async Task<ActionOutcome> AnnotateAsync(RunningPod pod, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.Serialize(new { metadata = new { annotations } }, PatchOperation.Readable);
        return await CallAsync(() => connect().CoreV1.PatchNamespacedPodAsync(
            new V1Patch(body, V1Patch.PatchType.MergePatch), pod.Name, pod.Namespace, fieldManager: component, cancellationToken: cancellationToken));
    }

    public async Task RecordEventAsync(RunningPod pod, string type, string reason, string message, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var recorded = new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { GenerateName = pod.Name + ".", NamespaceProperty = pod.Namespace },
            InvolvedObject = new V1ObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Name, NamespaceProperty = pod.Namespace, Uid = pod.Uid },
            Type = type,
            Reason = reason,
            // The API server refuses messages over 1 KiB in events.k8s.io; keep within it here too.
            Message = message.Length > 1024 ? message[..1021] + "..." : message,
            Source = new V1EventSource { Component = component },
            ReportingComponent = component,
            ReportingInstance = Instance,
            Action = reason,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        var outcome = await CallAsync(() => connect().CoreV1.CreateNamespacedEventAsync(recorded, pod.Namespace, cancellationToken: cancellationToken));
        if (outcome.Result != ActionResult.Done)
        {
            // An Event is what people see, not what the updater relies on: a lost one is logged, never retried.
            logger.LogWarning("Could not record the {Reason} Event on pod {Pod}: {Detail}", reason, pod, outcome.Detail);
        }
    }

    private static async Task<ActionOutcome> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
            return ActionOutcome.Done;
        }
        catch (HttpOperationException e)
        {
            var detail = KubernetesStatus.Message(e);
            return new ActionOutcome(e.Response.StatusCode switch
            {
                HttpStatusCode.NotFound or HttpStatusCode.Gone => ActionResult.Gone,
                HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict => ActionResult.Blocked,
                HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                    or HttpStatusCode.MethodNotAllowed or HttpStatusCode.UnsupportedMediaType => ActionResult.Refused,
                _ => ActionResult.Failed,
            }, $"{(int)e.Response.StatusCode} {detail}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new ActionOutcome(ActionResult.Failed, e.Message);
        }
    }
}
