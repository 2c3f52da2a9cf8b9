using k8s;
using k8s.Models;
using Resorcerer.Updating.Kubernetes;
using Resorcerer.Updating.Planning;

namespace Resorcerer.Kubectl;

/// <summary>How a resize the API server accepted ended, as the kubelet reports it.</summary>
public sealed record ResizeEnd(ResizeState State, string? Message, V1Pod? Pod)
{
    /// <summary>Applied: the kubelet has seen the new generation and no resize is pending or in progress.</summary>
    public bool Applied => State == ResizeState.None && Pod is not null;
}

/// <summary>Follows a pod's resize status (its generation, <c>observedGeneration</c> and resize conditions) until it ends or the time is up.</summary>
public static class ResizeProgress
{
    public static async Task<ResizeEnd> WaitAsync(IKubernetes client, string @namespace, string name, long generation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var last = new ResizeEnd(ResizeState.Requested, null, null);
        while (true)
        {
            V1Pod pod;
            try
            {
                pod = await client.CoreV1.ReadNamespacedPodAsync(name, @namespace, cancellationToken: cancellationToken);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return new ResizeEnd(ResizeState.Failed, "the pod is gone", null);
            }

            var read = PodReading.Read(pod);
            var seen = (pod.Status?.ObservedGeneration ?? 0) >= generation;
            last = new ResizeEnd(seen ? read.Resize : ResizeState.Requested, read.ResizeMessage, pod);
            if (seen && read.Resize is ResizeState.None or ResizeState.Deferred or ResizeState.Infeasible or ResizeState.Failed)
            {
                return last;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                return last;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>A line for people on how the resize stands.</summary>
    public static string Describe(ResizeEnd end, TimeSpan timeout) => end.State switch
    {
        ResizeState.None => "applied: the container runs with the new resources",
        ResizeState.Deferred => $"deferred by the kubelet ({end.Message}); it applies the resize when the node has room",
        ResizeState.Infeasible => $"infeasible: the kubelet will not apply it ({end.Message})",
        ResizeState.Failed => $"failed: {end.Message}",
        ResizeState.InProgress => $"still in progress after {Configuration.Duration.Round(timeout)}",
        _ => $"not seen by the kubelet after {Configuration.Duration.Round(timeout)} (is the node running Kubernetes 1.33 or newer?)",
    };
}
