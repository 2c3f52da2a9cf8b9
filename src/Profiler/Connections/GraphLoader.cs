using System.Text.Json;
using System.Text.Json.Serialization;
using Resorcerer.Storage;

namespace Resorcerer.Profiler.Connections;

/// <summary>Reads the service graph from the stored profiles: any replica, leader or not, answers the same.</summary>
public static class GraphLoader
{
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static async Task<ServiceGraph> LoadAsync(IProfileStore store, string? namespaceName, CancellationToken cancellationToken)
    {
        var workloads = await store.ListAsync(namespaceName, cancellationToken);
        var profiles = new List<Profiles.WorkloadProfile>(workloads.Count);
        foreach (var batch in workloads.Chunk(256))
        {
            profiles.AddRange((await Task.WhenAll(batch.Select(w => store.GetAsync(w, cancellationToken)))).OfType<Profiles.WorkloadProfile>());
        }

        return ServiceGraph.From(profiles, namespaceName);
    }
}
