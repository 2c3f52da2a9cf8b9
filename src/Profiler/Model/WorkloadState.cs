using System.Text;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Model;

/// <summary>
/// Everything the profiler has learned about one workload, one <see cref="ContainerState"/> per container name.
/// Saved as one checkpoint so that a restart, or another replica taking over, resumes where this one stopped.
/// </summary>
public sealed class WorkloadState(WorkloadRef workload, IRecommendationStrategy strategy, TimeSpan window)
{
    private const int Magic = 0x52534331; // "RSC1"
    private const byte Version = 1;

    public WorkloadRef Workload { get; } = workload;

    public Dictionary<string, ContainerState> Containers { get; } = new(StringComparer.Ordinal);

    /// <summary>The last time data for this workload was seen (Unix seconds).</summary>
    public long LastSeen { get; set; } = long.MinValue;

    /// <summary>Folded data not yet turned into a stored profile and checkpoint.</summary>
    public bool Dirty { get; set; }

    public ContainerState Container(string name)
    {
        if (!Containers.TryGetValue(name, out var state))
        {
            Containers[name] = state = new ContainerState(strategy, window);
        }

        return state;
    }

    public byte[] Save()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(strategy.Name);
        writer.Write(window.Ticks);
        writer.Write(LastSeen);
        writer.Write(Containers.Count);
        foreach (var (name, state) in Containers)
        {
            writer.Write(name);
            state.Write(writer);
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>The saved state, or null when it was saved by another strategy or window (then it is relearned).</summary>
    public static WorkloadState? Load(WorkloadRef workload, IRecommendationStrategy strategy, TimeSpan window, byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        if (reader.ReadInt32() != Magic || reader.ReadByte() != Version)
        {
            throw new InvalidDataException($"checkpoint of {workload} is not a resorcerer v1 checkpoint");
        }

        if (reader.ReadString() != strategy.Name || reader.ReadInt64() != window.Ticks)
        {
            return null;
        }

        var state = new WorkloadState(workload, strategy, window) { LastSeen = reader.ReadInt64() };
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            state.Container(reader.ReadString()).Read(reader);
        }

        return state;
    }
}
