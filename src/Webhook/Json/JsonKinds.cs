using System.Text.Json;

namespace Resorcerer.Webhook.Json;

/// <summary>Names JSON values as error messages say them ("spec.containers is a number, not a list").</summary>
internal static class JsonKinds
{
    /// <summary>The value that starts with this token.</summary>
    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "a list",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => "null",
    };
}
