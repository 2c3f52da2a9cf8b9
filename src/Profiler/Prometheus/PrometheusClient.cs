using System.Globalization;
using System.Text.Json;
using Resorcerer.Profiler.Model;

namespace Resorcerer.Profiler.Prometheus;

/// <summary>A labelled series of (Unix seconds, value) samples as Prometheus returns them.</summary>
public sealed record PromSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<Sample> Samples)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>Prometheus answered with an error, or could not be reached. The message names the server and the cause.</summary>
public class PrometheusException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Prometheus refused a query because its answer would hold too many samples (<c>--query.max-samples</c>).</summary>
public sealed class PrometheusQueryTooLargeException(string message) : PrometheusException(message);

/// <summary>
/// The two calls of the Prometheus HTTP API the profiler uses (instant and range queries), over any
/// server that speaks it (Prometheus, Thanos, Mimir, VictoriaMetrics).
/// </summary>
public sealed class PrometheusClient(HttpClient http, Profiling.ProfilerMetrics? metrics = null)
{
    private long _queriesSent;

    public long QueriesSent => Interlocked.Read(ref _queriesSent);

    public Task<IReadOnlyList<PromSeries>> QueryAsync(string query, DateTimeOffset time, CancellationToken cancellationToken) =>
        PostAsync("api/v1/query", [new("query", query), new("time", Seconds(time))], cancellationToken);

    public Task<IReadOnlyList<PromSeries>> QueryRangeAsync(
        string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken) =>
        PostAsync(
            "api/v1/query_range",
            [
                new("query", query), new("start", Seconds(start)), new("end", Seconds(end)),
                new("step", step.TotalSeconds.ToString(CultureInfo.InvariantCulture)),
            ],
            cancellationToken);

    private async Task<IReadOnlyList<PromSeries>> PostAsync(
        string path, KeyValuePair<string, string>[] form, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        Interlocked.Increment(ref _queriesSent);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            response = await http.PostAsync(path, new FormUrlEncodedContent(form), cancellationToken);
            metrics?.RecordQuery(path, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch (HttpRequestException e)
        {
            throw new PrometheusException($"cannot reach Prometheus at {http.BaseAddress}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusException($"Prometheus at {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} s", e);
        }

        using (response)
        {
            PrometheusResponse body;
            try
            {
                body = PrometheusResponse.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
            }
            catch (JsonException e)
            {
                throw new PrometheusException(
                    $"Prometheus at {http.BaseAddress} answered {path} with HTTP {(int)response.StatusCode} and a body that is not its API's JSON: {e.Message}", e);
            }

            if (body.Status == "error" && body.Error?.Contains("too many samples", StringComparison.OrdinalIgnoreCase) == true)
            {
                throw new PrometheusQueryTooLargeException($"Prometheus at {http.BaseAddress} refused {path} as too large: {body.Error}");
            }

            if (body.Status != "success")
            {
                throw new PrometheusException(
                    $"Prometheus at {http.BaseAddress} refused {path} (HTTP {(int)response.StatusCode}): {body.ErrorType} {body.Error}".TrimEnd());
            }

            return body.Series;
        }
    }

    private static string Seconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
