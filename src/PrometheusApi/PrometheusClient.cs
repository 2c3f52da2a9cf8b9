using System.Globalization;
using System.Text.Json;
using Resorcerer.Usage;

namespace Resorcerer.PrometheusApi;

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
public sealed class PrometheusClient(HttpClient http, Action<string, TimeSpan>? onQuery = null, long maxSamples = PrometheusClient.DefaultMaxSamples)
{
    /// <summary>Samples one answer may hold before it is refused as too large (and the read split): what <c>--max-samples-per-answer</c> defaults to.</summary>
    public const long DefaultMaxSamples = 4_000_000;

    /// <summary>Bytes of body allowed per sample of the limit, with room for labels: a sample takes 20 to 30 bytes of JSON.</summary>
    private const long BytesPerSample = 32;

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
            // Headers first, then the body read by ReadBoundedAsync: a plain PostAsync would buffer the whole answer first.
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            onQuery?.Invoke(path, System.Diagnostics.Stopwatch.GetElapsedTime(started));
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
            var maxBytes = maxSamples * BytesPerSample + 1024 * 1024;
            byte[] buffer;
            int length;
            // The request's time limit covers the body too, which HttpClient's own does not once the headers are in.
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                deadline.CancelAfter(http.Timeout);
                try
                {
                    (buffer, length) = await ReadBoundedAsync(response, maxBytes, deadline.Token);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    throw new PrometheusException($"Prometheus at {http.BaseAddress} broke off its answer to {path}: {e.Message}", e);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new PrometheusException($"Prometheus at {http.BaseAddress} did not finish its answer within {http.Timeout.TotalSeconds:0} s", e);
                }
            }

            try
            {
                if (length > maxBytes)
                {
                    throw new PrometheusQueryTooLargeException(
                        $"Prometheus at {http.BaseAddress} answered {path} with more than {maxBytes / (1024 * 1024)} MiB (--max-samples-per-answer {maxSamples})");
                }

                body = PrometheusResponse.Parse(buffer.AsSpan(0, length), maxSamples);
            }
            catch (PrometheusAnswerTooLargeException e)
            {
                throw new PrometheusQueryTooLargeException($"Prometheus at {http.BaseAddress} answered {path} with {e.Message} (--max-samples-per-answer {maxSamples})");
            }
            catch (JsonException e)
            {
                throw new PrometheusException(
                    $"Prometheus at {http.BaseAddress} answered {path} with HTTP {(int)response.StatusCode} and a body that is not its API's JSON: {e.Message}", e);
            }
            finally
            {
                Return(buffer);
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

    /// <summary>
    /// The body, read no further than one byte past <paramref name="max"/>: an answer too large to hold is refused
    /// without being held. Small bodies come in a pooled buffer (returned by the caller); large ones in buffers of
    /// their own, so that the pool does not keep hundreds of MB alive after a large answer.
    /// </summary>
    private static async Task<(byte[] Buffer, int Length)> ReadBoundedAsync(HttpResponseMessage response, long max, CancellationToken cancellationToken)
    {
        var buffer = Pool.Rent(64 * 1024);
        var length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > max)
                    {
                        return (buffer, length);
                    }

                    // Never more than one byte past the limit: that byte says the answer is over it.
                    var size = Math.Min(Math.Min(buffer.Length * 2L, max + 1), Array.MaxLength);
                    var grown = Pooled(size) ? Pool.Rent((int)size) : new byte[size];
                    buffer.AsSpan(0, length).CopyTo(grown);
                    Return(buffer);
                    buffer = grown;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    return (buffer, length);
                }

                length += read;
            }
        }
        catch
        {
            Return(buffer);
            throw;
        }
    }

    private static System.Buffers.ArrayPool<byte> Pool => System.Buffers.ArrayPool<byte>.Shared;

    private static bool Pooled(long size) => size <= 1024 * 1024;

    /// <summary>Gives a buffer from <see cref="ReadBoundedAsync"/> back: to the pool if it came from there.</summary>
    private static void Return(byte[] buffer)
    {
        if (Pooled(buffer.Length))
        {
            Pool.Return(buffer);
        }
    }

    private static string Seconds(DateTimeOffset time) =>
        (time.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
