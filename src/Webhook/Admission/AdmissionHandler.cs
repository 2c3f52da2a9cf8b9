using System.Diagnostics;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Resorcerer.Profiles;
using Resorcerer.Webhook.Patching;
using Resorcerer.Webhook.Profiles;
using Resorcerer.Webhook.Workloads;

namespace Resorcerer.Webhook.Admission;

/// <summary>
/// <c>POST /mutate</c>: reads an AdmissionReview, patches a new pod from its workload's profile, and always
/// allows the pod. Whatever goes wrong inside, the answer is <c>allowed: true</c> with a warning, and the
/// reason is counted. Only a body that is not an AdmissionReview at all gets an HTTP error.
/// </summary>
public sealed class AdmissionHandler(
    ProfileCache profiles,
    WebhookMetrics metrics,
    IOptions<WebhookOptions> options,
    ILogger<AdmissionHandler> logger)
{
    private const string WarningPrefix = "resorcerer: ";

    public async Task<IResult> HandleAsync(HttpContext context)
    {
        var stopwatch = Stopwatch.StartNew();
        var maxBody = options.Value.MaxBodyBytes;
        if (context.Request.ContentLength > maxBody)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"request body of {context.Request.ContentLength} bytes is over the limit of {maxBody}");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBody;
        }

        AdmissionReview? review;
        try
        {
            review = await JsonSerializer.DeserializeAsync(context.Request.Body, AdmissionJsonContext.Default.AdmissionReview, context.RequestAborted);
        }
        catch (JsonException e)
        {
            return Problem(StatusCodes.Status400BadRequest, $"request body is not an {AdmissionReview.V1} AdmissionReview: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, $"request body is over the limit of {maxBody} bytes");
        }

        if (review is null || review.Kind != "AdmissionReview" || review.ApiVersion != AdmissionReview.V1)
        {
            return Problem(StatusCodes.Status400BadRequest,
                $"request body is not an {AdmissionReview.V1} AdmissionReview (apiVersion '{review?.ApiVersion}', kind '{review?.Kind}')");
        }

        if (review.Request?.Uid is not { Length: > 0 } uid)
        {
            return Problem(StatusCodes.Status400BadRequest, "AdmissionReview has no request.uid to answer");
        }

        var (response, outcome) = await AdmitAsync(uid, review.Request, context.RequestAborted);
        metrics.Admission(outcome, stopwatch.Elapsed);
        if (outcome.Warning is not null)
        {
            logger.LogWarning("Admission {Uid} {Kind} ({Reason}): {Warning}", uid, outcome.Kind, outcome.Reason, outcome.Warning);
        }

        return Results.Json(
            new AdmissionReview { ApiVersion = AdmissionReview.V1, Kind = "AdmissionReview", Response = response },
            AdmissionJsonContext.Default.AdmissionReview);
    }

    private async Task<(AdmissionResponse, AdmissionOutcome)> AdmitAsync(string uid, AdmissionRequest request, CancellationToken cancellationToken)
    {
        AdmissionOutcome outcome;
        try
        {
            (var patch, outcome) = await DecideAsync(request, cancellationToken);
            if (patch is not null)
            {
                return (new AdmissionResponse
                {
                    Uid = uid,
                    Allowed = true,
                    PatchType = "JSONPatch",
                    Patch = Convert.ToBase64String(PatchOperation.ToJson(patch.Operations)),
                    Warnings = outcome.Warning is null ? null : [WarningPrefix + outcome.Warning],
                }, outcome);
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The fail-open rule: a fault of ours must never cost the user a pod.
            logger.LogError(e, "Admission {Uid} failed inside resorcerer; admitting the pod unchanged", uid);
            outcome = AdmissionOutcome.Error("internal", $"internal error ({e.GetType().Name}); pod admitted unchanged");
        }

        return (new AdmissionResponse
        {
            Uid = uid,
            Allowed = true,
            Warnings = outcome.Warning is null ? null : [WarningPrefix + outcome.Warning],
        }, outcome);
    }

    private async Task<(PodPatch? Patch, AdmissionOutcome Outcome)> DecideAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        if (request.Operation != "CREATE")
        {
            return (null, AdmissionOutcome.Skipped("not_create"));
        }

        if (request.Kind?.Kind != "Pod" || !string.IsNullOrEmpty(request.Kind.Group) || !string.IsNullOrEmpty(request.SubResource))
        {
            return (null, AdmissionOutcome.Skipped("not_pod"));
        }

        if (request.Object is not { ValueKind: JsonValueKind.Object } podJson)
        {
            return (null, AdmissionOutcome.Error("malformed_pod", "the request carries no pod object; pod admitted unchanged"));
        }

        V1Pod pod;
        try
        {
            pod = KubernetesJson.Deserialize<V1Pod>(podJson.GetRawText());
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or ArgumentException)
        {
            return (null, AdmissionOutcome.Error("malformed_pod", $"the pod could not be read ({e.Message}); pod admitted unchanged"));
        }

        if (pod.Metadata?.Labels?.TryGetValue(ResorcererKeys.SkipLabel, out var skip) == true && skip == "true")
        {
            return (null, AdmissionOutcome.Skipped("skip_label"));
        }

        var workload = PodWorkload.Resolve(pod, request.Namespace);
        if (workload is null)
        {
            return (null, AdmissionOutcome.Unchanged("no_workload"));
        }

        var lookup = await profiles.GetAsync(workload, cancellationToken);
        switch (lookup.Status)
        {
            case LookupStatus.NotFound:
                return (null, AdmissionOutcome.Unchanged("no_profile"));
            case LookupStatus.Unavailable:
                return (null, AdmissionOutcome.Unchanged("store_unavailable", $"no profile for {workload}: {lookup.Problem}; pod admitted unchanged"));
        }

        var problems = new List<string>();
        var resources = PodReader.Read(pod, problems);
        var patch = PodPatchBuilder.Build(resources, lookup.Profile!, lookup.Profile!.Policy ?? WorkloadPolicy.Default);
        var warning = problems.Count > 0 ? string.Join("; ", problems) : null;
        return patch.IsEmpty
            ? (null, AdmissionOutcome.Unchanged("no_profiled_container", warning))
            : (patch, AdmissionOutcome.Patched() with { Warning = warning });
    }

    private static IResult Problem(int status, string message) => Results.Text(message + "\n", "text/plain", statusCode: status);
}
