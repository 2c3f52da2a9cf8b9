using System.Text;
using k8s.Autorest;
using Microsoft.Extensions.Options;
using Resorcerer.Hosting;
using Resorcerer.Storage;
using Resorcerer.Updater.Hosting;
using Resorcerer.Updater.Kubernetes;
using Resorcerer.Updater.Updating;
using Resorcerer.Updating.Kubernetes;
using Resorcerer.Updating.Planning;
using StackExchange.Redis;

namespace Resorcerer.Updater;

/// <summary>Entry point: reads the settings, then runs one pass (<c>--once</c>) or the loop with its endpoints.</summary>
public static class UpdaterProgram
{
    public static ProgramInfo Info { get; } =
        new("resorcerer-updater", UpdaterCli.Usage, UpdaterCli.Description, UpdaterCli.Options, UpdaterCli.Footer, "http://0.0.0.0:8080");

    public static async Task<int> RunAsync(string[] args)
    {
        if (ProgramHost.CreateBuilder(Info, args, out var exitCode) is not { } builder)
        {
            return exitCode;
        }

        builder.Services.AddUpdater().AddUpdaterLoop();
        if (ProgramHost.Build(Info, builder, app => _ = app.Services.GetRequiredService<IOptions<UpdaterOptions>>().Value, out exitCode) is not { } app)
        {
            return exitCode;
        }

        await using (app)
        {
            if (app.Services.GetRequiredService<UpdaterOptions>().Once)
            {
                return await RunOnceAsync(app);
            }

            app.MapHealthEndpoints();
            return await ProgramHost.RunAsync(Info, app);
        }
    }

    /// <summary>One pass: list the pods, act, wait (at most --once-timeout) for the resizes to be applied, print what happened.</summary>
    private static async Task<int> RunOnceAsync(WebApplication app)
    {
        using var cancellation = ProgramHost.CancelOnCtrlC();

        var options = app.Services.GetRequiredService<UpdaterOptions>();
        var watch = app.Services.GetRequiredService<PodWatch>();
        var pass = app.Services.GetRequiredService<UpdaterPass>();
        var tracker = app.Services.GetRequiredService<WorkloadTracker>();
        var time = app.Services.GetRequiredService<TimeProvider>();
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(cancellation.Token);
        Task? watching = null;
        try
        {
            await watch.ProbeAsync(cancellation.Token);
            watching = watch.RunAsync(stopWatching.Token);
            await FirstListAsync(watch, watching, options, cancellation.Token);
            var report = await pass.RunAsync(cancellation.Token);

            // Wait for the kubelet to apply what was asked, reading the pods as the watch sees them.
            var deadline = time.GetUtcNow() + options.OnceTimeout.Value;
            while (tracker.InFlightActions.Any(a => a.Action == UpdateAction.Resize) && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellation.Token);
                tracker.Settle(pass.CurrentPods(), time.GetUtcNow());
            }

            Console.Out.Write(Table(report, tracker, pass.CurrentPods()));
            return ProgramHost.Success;
        }
        catch (Exception e) when (DependencyProblem(e) is { } problem)
        {
            Console.Error.WriteLine($"{Info.Name}: {problem}");
            return ProgramHost.DependencyFailed;
        }
        finally
        {
            await stopWatching.CancelAsync();
            if (watching is not null)
            {
                await watching.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Waits for the first pod list; a watch that keeps failing past --once-timeout (or 30 s) is the API being unusable.</summary>
    private static async Task FirstListAsync(PodWatch watch, Task watching, UpdaterOptions options, CancellationToken cancellationToken)
    {
        var limit = TimeSpan.FromTicks(Math.Max(options.OnceTimeout.Value.Ticks, TimeSpan.FromSeconds(30).Ticks));
        var first = watch.WaitUntilSyncedAsync(cancellationToken);
        if (await Task.WhenAny(first, watching, Task.Delay(limit, cancellationToken)) != first)
        {
            if (watching.IsFaulted)
            {
                await watching; // rethrows what stopped the watch
            }

            throw new KubernetesAccessException($"the pods could not be listed within {Configuration.Duration.Round(limit)}: the Kubernetes API did not answer (see the warnings above)");
        }
    }

    private static string? DependencyProblem(Exception e) => e switch
    {
        KubernetesAccessException => e.Message,
        HttpOperationException http => $"the Kubernetes API refused a request: {(int)http.Response.StatusCode} {KubernetesStatus.Message(http)}",
        RedisException or RedisTimeoutException or RedisConnectionException => $"Redis cannot be used: {RedisSettings.Describe(e)}",
        HttpRequestException => $"the Kubernetes API cannot be reached: {e.Message}",
        TaskCanceledException => "the Kubernetes API did not answer in time",
        _ => null,
    };

    /// <summary>What the pass did, one line per pod it acted on, with how its resize stands now.</summary>
    private static string Table(PassReport report, WorkloadTracker tracker, IReadOnlyList<RunningPod> now)
    {
        var text = new StringBuilder();
        var acted = report.Acted.ToList();
        var considered = report.Considered.Count;
        text.AppendLine(FormattableString.Invariant($"{considered} running pod(s) of profiled workloads; {acted.Count} acted on or reported."));
        if (acted.Count == 0)
        {
            return text.ToString();
        }

        var byUid = now.ToDictionary(p => p.Uid, StringComparer.Ordinal);
        var waiting = tracker.InFlightActions.Select(a => a.PodUid).ToHashSet(StringComparer.Ordinal);
        var rows = acted.Select(o => (
            Pod: o.Pod.ToString(),
            Action: o.Action.ToString().ToLowerInvariant(),
            Reason: o.Reason,
            Result: o.Result,
            Now: o.Action != UpdateAction.Resize || o.Result != "done" ? string.Empty
                : byUid.GetValueOrDefault(o.Pod.Uid) is not { } pod ? "pod gone"
                : waiting.Contains(o.Pod.Uid) ? $"not applied yet ({pod.Resize})"
                : pod.Resize == ResizeState.None ? "applied" : pod.Resize.ToString(),
            o.Message)).ToList();
        var widths = new[]
        {
            Math.Max(3, rows.Max(r => r.Pod.Length)), Math.Max(6, rows.Max(r => r.Action.Length)), Math.Max(6, rows.Max(r => r.Reason.Length)),
            Math.Max(6, rows.Max(r => r.Result.Length)), Math.Max(3, rows.Max(r => r.Now.Length)),
        };
        text.AppendLine($"{"POD".PadRight(widths[0])}  {"ACTION".PadRight(widths[1])}  {"REASON".PadRight(widths[2])}  {"RESULT".PadRight(widths[3])}  {"NOW".PadRight(widths[4])}  DETAIL");
        foreach (var row in rows)
        {
            text.AppendLine($"{row.Pod.PadRight(widths[0])}  {row.Action.PadRight(widths[1])}  {row.Reason.PadRight(widths[2])}  {row.Result.PadRight(widths[3])}  {row.Now.PadRight(widths[4])}  {row.Message}");
        }

        return text.ToString();
    }
}
