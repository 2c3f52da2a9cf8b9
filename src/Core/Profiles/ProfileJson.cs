using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resorcerer.Profiles;

/// <summary>The JSON form of profiles, shared by every reader and writer so that the schema has one definition.</summary>
public static class ProfileJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static string Serialize(WorkloadProfile profile) => JsonSerializer.Serialize(profile, Options);

    /// <summary>Reads a stored profile; throws <see cref="JsonException"/> naming the problem when it is not one.</summary>
    public static WorkloadProfile Deserialize(string json)
    {
        var profile = JsonSerializer.Deserialize<WorkloadProfile>(json, Options)
            ?? throw new JsonException("profile JSON is null");
        if (profile.SchemaVersion != WorkloadProfile.CurrentSchemaVersion)
        {
            throw new JsonException(
                $"profile schemaVersion {profile.SchemaVersion} is not supported (expected {WorkloadProfile.CurrentSchemaVersion})");
        }

        return profile;
    }
}
