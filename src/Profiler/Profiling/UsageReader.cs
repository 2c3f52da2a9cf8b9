using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Model;
using Resorcerer.Profiler.Prometheus;
using Resorcerer.PrometheusApi;

namespace Resorcerer.Profiler.Profiling;

/// <summary>
/// Reads namespaces' usage chunk by chunk: CPU, memory and OOM kills, and ownership when the usage shows a pod not
/// known yet. Each read is retried with doubling waits; an answer that names pods but holds no usage for any of
/// them, where there was usage before, is partial and treated as a failure. Chunks start at 15 minutes and follow
/// the data: longer over stretches with little of it (up to a day), shorter when a chunk held too much.
/// </summary>
public sealed class UsageReader(IUsageSource usage, IOptions<ProfilerOptions> options, TimeProvider time, ProfilerMetrics metrics, ILogger logger)
{
    /// <summary>A read of about this many samples holds a few hundred MB while it is parsed: chunks grow only below it.</summary>
    private const long SamplesPerChunk = 2_000_000;

    private readonly Dictionary<string, long> _seriesSeen = new(StringComparer.Ordinal);

    /// <summary>Time spent waiting for Prometheus.</summary>
    public Stopwatch Reading { get; } = new();

    /// <summary>The largest node's CPU and memory, read once a cycle; when it cannot be read, the last known (or the fallback) stands.</summary>
    public NodeBounds Bounds { get; private set; } = NodeBounds.Fallback;

    /// <summary>Reads <see cref="Bounds"/> again, as of <paramref name="at"/>.</summary>
    public async Task RefreshBoundsAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        try
        {
            Reading.Start();
            var bounds = await usage.ReadNodeBoundsAsync(at, cancellationToken);
            if (bounds != Bounds && bounds.CapacityMemoryBytes is null && bounds.AllocatableMemoryBytes is null)
            {
                logger.LogInformation("kube-state-metrics reports no node capacity: usage above {Cores} cores or {Memory} of memory is taken as impossible",
                    NodeBounds.FallbackCpuCores, Resorcerer.Quantities.Quantity.FormatBytes((long)NodeBounds.FallbackMemoryBytes));
            }

            Bounds = bounds;
        }
        catch (PrometheusException e)
        {
            metrics.RecordError("prometheus");
            logger.LogWarning("Reading the nodes' capacity failed: {Error}. The last known stands", e.Message);
        }
        finally
        {
            Reading.Stop();
        }
    }

    /// <summary>The usage of <paramref name="group"/> after <paramref name="from"/> up to <paramref name="end"/>, in chunks.</summary>
    public async IAsyncEnumerable<UsageChunk> ReadAsync(
        IReadOnlyList<string> group, long from, long end, Func<ContainerKey, bool> knows, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var step = (long)settings.Step.Value.TotalSeconds;
        var maxChunk = Math.Max(step, (long)settings.BackfillChunk.Value.TotalSeconds / step * step);
        var backfill = end - from > maxChunk;
        // Start small and let the chunk follow the data: a big cluster's hour can be millions of samples.
        var chunk = end - from > 900 ? Math.Max(step, Math.Min(maxChunk, 900 / step * step)) : maxChunk;
        var progress = Stopwatch.StartNew();
        long samples = 0;
        if (backfill)
        {
            logger.LogInformation("Reading {Hours:0.#} h of history for [{Namespaces}] in chunks of at most {Chunk}",
                (end - from) / 3600.0, string.Join(", ", group), settings.BackfillChunk);
        }

        for (var start = from; start < end;)
        {
            var window = new TimeWindow(DateTimeOffset.FromUnixTimeSeconds(start + step), DateTimeOffset.FromUnixTimeSeconds(Math.Min(start + chunk, end)));
            Reading.Start();
            var data = await ReadWithRetriesAsync(group, window, knows, cancellationToken);
            Reading.Stop();
            yield return data;

            start = window.End.ToUnixTimeSeconds();
            var read = data.Samples;
            samples += read;
            if (backfill && (progress.Elapsed > TimeSpan.FromSeconds(10) || start >= end))
            {
                logger.LogInformation("  history read up to {End:u} ({Done:P0}): {Samples} samples so far",
                    window.End, (start - from) / (double)(end - from), samples);
                progress.Restart();
            }

            // Stretch the chunks over stretches with little data (before the workloads existed), up to --backfill-chunk,
            // or a day when that is longer; shrink them when a chunk held more than a parse should.
            if (read < SamplesPerChunk / 4)
            {
                chunk = Math.Min(chunk * 2, Math.Max(86400 / step * step, maxChunk));
            }
            else if (read > SamplesPerChunk)
            {
                chunk = Math.Max(step, chunk / 2 / step * step);
            }
        }
    }

    private async Task<UsageChunk> ReadWithRetriesAsync(IReadOnlyList<string> group, TimeWindow window, Func<ContainerKey, bool> knows, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadOnceAsync(group, window, knows, cancellationToken);
            }
            catch (PrometheusException e) when (e is not PrometheusQueryTooLargeException && attempt <= settings.Retries && !cancellationToken.IsCancellationRequested)
            {
                var delay = settings.RetryDelay.Value * Math.Pow(2, attempt - 1);
                metrics.RecordError("prometheus");
                logger.LogWarning("Reading Prometheus failed (attempt {Attempt} of {Attempts}): {Error}. Retrying in {Delay:0.#} s",
                    attempt, settings.Retries + 1, e.Message, delay.TotalSeconds);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task<UsageChunk> ReadOnceAsync(IReadOnlyList<string> group, TimeWindow window, Func<ContainerKey, bool> knows, CancellationToken cancellationToken)
    {
        var cpu = await usage.ReadUsageAsync(UsageResource.Cpu, group, window, cancellationToken);
        // One step more of memory: each reading counts for at most the one before it (UsageSanity.Confirmed).
        var memory = await usage.ReadUsageAsync(UsageResource.Memory, group, window with { Start = window.Start - options.Value.Step.Value }, cancellationToken);
        var kills = await usage.ReadOomKillsAsync(group, window, cancellationToken);

        // Ownership changes only when pods come and go: ask for it when the usage shows a pod not yet known
        // (or shows nothing, to tell an empty namespace from a partial answer).
        var owners = cpu.Concat(memory).Any(c => !knows(c.Container)) || cpu.Count + memory.Count == 0
            ? await usage.ReadOwnershipAsync(group, window, cancellationToken)
            : Ownership.None;
        var key = string.Join(',', group);
        // Pods that exist but show no usage at all: Prometheus answered part of the question. Do not trust it.
        if (owners.Pods.Count > 0 && cpu.Count == 0 && memory.Count == 0 && _seriesSeen.GetValueOrDefault(key) > 0)
        {
            throw new PrometheusException(
                $"Prometheus reported {owners.Pods.Count} pod(s) in [{key}] but no usage for them (it had {_seriesSeen[key]} series before): treating the answer as partial");
        }

        _seriesSeen[key] = cpu.Count + memory.Count;
        return new UsageChunk(window, owners, cpu, memory, kills);
    }
}
