using System.Text;
using System.Text.Json;

namespace Resorcerer.Webhook.Json;

/// <summary>
/// Reads JSON strings, handing out one shared instance for the values that come in every admission (the
/// operation, the kind, owner kinds, a sidecar's restart policy) instead of a new string each time.
/// </summary>
internal static class KnownStrings
{
    private static readonly string[] Values =
        ["", "v1", "Pod", "CREATE", "UPDATE", "DELETE", "CONNECT", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Always", "true", "false"];

    private static readonly byte[][] Utf8 = [.. Values.Select(Encoding.UTF8.GetBytes)];

    private static readonly int Longest = Utf8.Max(value => value.Length);

    /// <summary>The string the reader is on (a <see cref="JsonTokenType.String"/> token).</summary>
    public static string Read(ref Utf8JsonReader reader)
    {
        var value = reader.ValueSpan;
        if (!reader.ValueIsEscaped && !reader.HasValueSequence && value.Length <= Longest)
        {
            for (var i = 0; i < Utf8.Length; i++)
            {
                if (value.SequenceEqual(Utf8[i]))
                {
                    return Values[i];
                }
            }
        }

        return reader.GetString()!;
    }
}
