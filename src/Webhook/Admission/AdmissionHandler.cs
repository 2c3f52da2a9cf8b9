using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Resorcerer.Configuration;
using Resorcerer.Hosting;
using Resorcerer.Profiles;
using Resorcerer.Sizing;
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
    ProfileMirror profiles,
    PatchMemo patches,
    WebhookMetrics metrics,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    ILogger<AdmissionHandler> logger)
{
    private readonly RepeatLimiter _repeats = new(time, TimeSpan.FromSeconds(10));

    private const string WarningPrefix = "resorcerer: ";

    public async Task HandleAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var maxBody = options.Value.MaxBodyBytes;
        var bodyReader = context.Request.BodyReader;
        var body = await ReadBoundedAsync(bodyReader, maxBody, context.RequestAborted);
        AdmissionRequest request;
        try
        {
            if (body.Length > maxBody)
            {
                // Refused without reading the rest; if the uid came first (it does from kube-apiserver), answer it.
                if (AdmissionReview.FindUid(body.Slice(0, maxBody).ToArray()) is { } bigUid)
                {
                    var outcome = AdmissionOutcome.Error("body_too_large", $"the AdmissionReview is larger than {maxBody} bytes; pod admitted unchanged");
                    Answer(context, new AdmissionResponse(bigUid, Warnings: [WarningPrefix + outcome.Warning]), outcome, started);
                    return;
                }

                await ProblemAsync(context, StatusCodes.Status413PayloadTooLarge, $"request body is over the limit of {maxBody} bytes and names no request.uid before it");
                return;
            }

            request = ReadRequest(body);
        }
        catch (Exception e) when (e is JsonException or AdmissionFormatException or InvalidOperationException)
        {
            // Bad JSON, a wrongly typed field, bad UTF-8, a lone surrogate, nesting too deep, a key given twice:
            // whatever it is, a review whose uid can be made out is answered, and the pod goes through unchanged.
            var problem = e is AdmissionFormatException ? e.Message : $"is not an {AdmissionReview.V1} AdmissionReview: {e.Message}";
            if (Envelope(body) is { AnswerableUid: { } uid, MayBeV1Review: true })
            {
                var outcome = AdmissionOutcome.Error("malformed_review", $"the admission request could not be read (it {Shorten(problem)}); pod admitted unchanged");
                Answer(context, new AdmissionResponse(uid, Warnings: [WarningPrefix + outcome.Warning]), outcome, started);
                return;
            }

            await ProblemAsync(context, StatusCodes.Status400BadRequest, "request body " + problem);
            return;
        }
        finally
        {
            // Everything the answer needs has been read out of the body.
            bodyReader.AdvanceTo(body.End);
        }

        var (response, result) = Admit(request, context.RequestAborted);
        Answer(context, response, result, started);
    }

    /// <summary>What can be made out of a body that could not be read as a review.</summary>
    private static ReviewEnvelope Envelope(ReadOnlySequence<byte> body) =>
        body.IsSingleSegment ? AdmissionReview.Envelope(body.FirstSpan, complete: true) : AdmissionReview.Envelope(body.ToArray(), complete: true);

    /// <summary>The request of the review in the body: read in place when the body arrived in one piece, else from a copy.</summary>
    private static AdmissionRequest ReadRequest(ReadOnlySequence<byte> body)
    {
        if (body.IsSingleSegment)
        {
            return AdmissionReview.ReadRequest(body.FirstSpan);
        }

        var copy = ArrayPool<byte>.Shared.Rent((int)body.Length);
        try
        {
            body.CopyTo(copy);
            return AdmissionReview.ReadRequest(copy.AsSpan(0, (int)body.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private void Answer(HttpContext context, AdmissionResponse response, AdmissionOutcome outcome, long started)
    {
        metrics.Admission(outcome, Stopwatch.GetElapsedTime(started));
        if ((outcome.Warning is not null || outcome.Detail is not null) && outcome.Kind is "error" or "unchanged" or "patched"
            && _repeats.ShouldLog(outcome.Reason, out var heldBack))
        {
            // At most one line a reason every few seconds: an outage must not fill the log with one line per pod.
            logger.LogWarning("Admission {Uid} {Kind} ({Reason}): {Warning}{Detail}{HeldBack}", Shorten(response.Uid), outcome.Kind, outcome.Reason,
                outcome.Warning, outcome.Detail is { } detail ? $" [{detail}]" : string.Empty, RepeatLimiter.HeldBackNote(heldBack));
        }

        Write(context.Response, response);
    }

    private (AdmissionResponse, AdmissionOutcome) Admit(AdmissionRequest request, CancellationToken cancellationToken)
    {
        AdmissionOutcome outcome;
        PodPatch? patch = null;
        try
        {
            (patch, outcome) = Decide(request);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The fail-open rule: a fault of ours must never cost the user a pod.
            logger.LogError(e, "Admission {Uid} failed inside resorcerer; admitting the pod unchanged", Shorten(request.Uid));
            outcome = AdmissionOutcome.Error("internal", $"internal error ({e.GetType().Name}); pod admitted unchanged");
        }

        return (new AdmissionResponse(
            request.Uid,
            patch is { IsEmpty: false } ? patch.QuotedBase64Json : null,
            outcome.Warning is null ? null : [WarningPrefix + outcome.Warning]), outcome);
    }

    private (PodPatch? Patch, AdmissionOutcome Outcome) Decide(AdmissionRequest request)
    {
        if (request.Operation != "CREATE")
        {
            return (null, AdmissionOutcome.Skipped("not_create", $"resorcerer only acts on CREATE, not {Shorten(request.Operation)}; nothing changed"));
        }

        if (request.Kind?.Kind != "Pod" || !string.IsNullOrEmpty(request.Kind.Group) || !string.IsNullOrEmpty(request.SubResource))
        {
            return (null, AdmissionOutcome.Skipped("not_pod", $"resorcerer only acts on pods, not {Shorten(request.Kind?.Kind)}; nothing changed"));
        }

        if (request.Pod is not { } pod)
        {
            return (null, AdmissionOutcome.Error(request.PodProblemReason ?? PodFormatException.Malformed, request.PodProblem is { } problem
                ? $"the pod could not be read ({Shorten(problem)}); pod admitted unchanged"
                : "the request carries no pod object; pod admitted unchanged"));
        }

        if (pod.Labels.GetValueOrDefault(ResorcererKeys.SkipLabel) == "true")
        {
            return (null, AdmissionOutcome.Skipped("skip_label"));
        }

        var workload = PodWorkload.Resolve(pod, request.Namespace);
        if (workload is null)
        {
            return (null, AdmissionOutcome.Unchanged("no_workload"));
        }

        var lookup = profiles.Get(workload);
        switch (lookup.Status)
        {
            case LookupStatus.NotFound:
                metrics.ProfileLookup("absent");
                return (null, request.DryRun == true
                    ? AdmissionOutcome.Unchanged("no_profile", $"dry run: no profile for {workload}, so nothing would change")
                    : AdmissionOutcome.Unchanged("no_profile"));
            case LookupStatus.Unavailable:
                metrics.ProfileLookup("not_loaded");
                return (null, AdmissionOutcome.Unchanged("profiles_not_loaded", $"{lookup.Problem}; pod admitted unchanged") with { Detail = lookup.Detail });
        }

        metrics.ProfileLookup("found");
        var profile = lookup.Profile!;
        var policy = profile.Policy ?? WorkloadPolicy.Default;
        var hold = Hold(profile);
        var patch = patches.Build(pod.Resources, profile, hold);
        var warning = lookup.Problem;
        if (patch.IsEmpty)
        {
            return (null, AdmissionOutcome.Unchanged("no_profiled_container", warning));
        }

        if (!patch.ChangesResources)
        {
            if (patch.Held is { } held)
            {
                // The profile would hurt this pod: the pod goes through as it is, and its creator is told why.
                return (patch, AdmissionOutcome.Unchanged(held, $"{patch.HeldWhy}; pod admitted unchanged"));
            }

            var reason = hold is not null ? "profile_held" : policy.Mode == UpdateMode.Off ? "mode_off" : "nothing_to_change";
            return (patch, AdmissionOutcome.Unchanged(reason, warning));
        }

        return (patch, AdmissionOutcome.Patched(warning));
    }

    /// <summary>Why the profile must not be applied (too old, or built on too little history), or null.</summary>
    private string? Hold(WorkloadProfile profile)
    {
        var settings = options.Value;
        var age = time.GetUtcNow() - profile.UpdatedAt;
        if (age > settings.MaxProfileAge.Value)
        {
            return $"the profile is {Duration.Round(age)} old, more than --max-profile-age {settings.MaxProfileAge}";
        }

        return profile.History < settings.MinProfileHistory.Value
            ? $"the profile rests on {Duration.Round(profile.History)} of history, less than --min-profile-history {settings.MinProfileHistory}"
            : null;
    }

    /// <summary>
    /// The whole body, or, when it is longer than <paramref name="max"/>, as much of it as has come (more than
    /// <paramref name="max"/>) without waiting for the rest. The caller advances the reader past it.
    /// </summary>
    private static async ValueTask<ReadOnlySequence<byte>> ReadBoundedAsync(PipeReader reader, long max, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted || result.Buffer.Length > max)
            {
                return result.Buffer;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static string? Shorten(string? text) => AdmissionReview.Shorten(text);

    private static Task ProblemAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n");
    }

    // One scratch buffer and JSON writer per thread: the answer is written and copied out before anything awaits.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>
    /// Writes the answer with its length (HTTP/1.1 clients then get no chunked encoding) and leaves the flush to
    /// the server at the end of the request: headers, body and the end of the stream then leave together.
    /// </summary>
    private static void Write(HttpResponse http, AdmissionResponse response)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(4096);
        scratch.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(scratch);
        writer.Reset(scratch);
        AdmissionReview.Write(writer, response);
        http.ContentType = "application/json";
        http.ContentLength = scratch.WrittenCount;
        http.BodyWriter.Write(scratch.WrittenSpan);
    }
}
