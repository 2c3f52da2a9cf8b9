using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using Resorcerer.Usage;

namespace Resorcerer.PrometheusApi;

/// <summary>An answer holds more samples than allowed; the message says how many.</summary>
public sealed class PrometheusAnswerTooLargeException(string message) : Exception(message);

/// <summary>
/// The Prometheus HTTP API's answer, read in one pass with <see cref="Utf8JsonReader"/>: samples go straight into
/// their lists, with no document tree in between (answers of millions of samples are common during backfill).
/// Values are kept as Prometheus gives them, NaN and infinities too: the caller decides what to learn from.
/// </summary>
public sealed class PrometheusResponse
{
    private long _samples;
    private long _maxSamples = long.MaxValue;

    public string? Status { get; private set; }

    public string? ErrorType { get; private set; }

    public string? Error { get; private set; }

    public List<PromSeries> Series { get; } = [];

    /// <summary>
    /// Parses the body; throws <see cref="JsonException"/> when it is not the API's JSON, and
    /// <see cref="PrometheusAnswerTooLargeException"/> as soon as it holds more than <paramref name="maxSamples"/> samples.
    /// </summary>
    public static PrometheusResponse Parse(ReadOnlySpan<byte> json, long maxSamples = long.MaxValue)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        var response = new PrometheusResponse { _maxSamples = maxSamples };
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                response.Status = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("errorType"u8))
            {
                response.ErrorType = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                response.Error = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                response.ReadData(ref reader);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return response;
    }

    private void ReadData(ref Utf8JsonReader reader)
    {
        var series = Series;
        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("result"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    series.Add(ReadSeries(ref reader));
                }
            }
            else
            {
                Skip(ref reader);
            }
        }
    }

    private PromSeries ReadSeries(ref Utf8JsonReader reader)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("metric"u8))
            {
                Expect(ref reader, JsonTokenType.StartObject);
                while (Next(ref reader) == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    labels[name] = ReadString(ref reader) ?? string.Empty;
                }
            }
            else if (reader.ValueTextEquals("values"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) == JsonTokenType.StartArray)
                {
                    ReadSample(ref reader, samples);
                }
            }
            else if (reader.ValueTextEquals("value"u8))
            {
                Expect(ref reader, JsonTokenType.StartArray);
                ReadSample(ref reader, samples);
            }
            else
            {
                Skip(ref reader);
            }
        }

        return new PromSeries(labels, samples);
    }

    /// <summary>Reads <c>[unix seconds, "value"]</c> (the opening bracket already read), counting it against the limit.</summary>
    private void ReadSample(ref Utf8JsonReader reader, List<Sample> samples)
    {
        if (++_samples > _maxSamples)
        {
            throw new PrometheusAnswerTooLargeException($"more than {_maxSamples} samples");
        }

        Expect(ref reader, JsonTokenType.Number);
        var timestamp = reader.GetDouble();
        Expect(ref reader, JsonTokenType.String);
        var text = reader.ValueSpan;
        var parsed = !reader.ValueIsEscaped && Utf8Parser.TryParse(text, out double value, out var consumed) && consumed == text.Length
            || double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            || Infinity(text, out value);
        Expect(ref reader, JsonTokenType.EndArray);
        if (parsed)
        {
            samples.Add(new Sample((long)Math.Round(timestamp), value));
        }
    }

    /// <summary>Prometheus writes infinities as <c>+Inf</c> and <c>-Inf</c>.</summary>
    private static bool Infinity(ReadOnlySpan<byte> text, out double value)
    {
        value = text.SequenceEqual("+Inf"u8) || text.SequenceEqual("Inf"u8) ? double.PositiveInfinity
            : text.SequenceEqual("-Inf"u8) ? double.NegativeInfinity
            : 0;
        return value != 0;
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }

    private static void Skip(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        reader.Skip();
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the answer ends too early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType expected)
    {
        if (Next(ref reader) != expected)
        {
            throw new JsonException($"expected {expected} but found {reader.TokenType} at byte {reader.TokenStartIndex}");
        }
    }
}
