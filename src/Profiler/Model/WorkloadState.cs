using System.Text;
using Resorcerer.Profiler.Recommendation;
using Resorcerer.Workloads;

namespace Resorcerer.Profiler.Model;

/// <summary>
/// Everything the profiler has learned about one workload: its <see cref="WorkloadReplay"/>, and when its usage was
/// last seen. Saved as one checkpoint so that a restart, or another replica taking over, resumes where this one stopped.
/// </summary>
public sealed class WorkloadState(WorkloadRef workload, IRecommendationStrategy strategy, TimeSpan window)
{
    private const int Magic = 0x52534331; // "RSC1"

    public WorkloadRef Workload { get; } = workload;

    public WorkloadReplay Replay { get; } = new(strategy, window);

    /// <summary>The last time data for this workload was seen (Unix seconds).</summary>
    public long LastSeen { get; set; } = long.MinValue;

    /// <summary>Folded data not yet turned into a stored profile and checkpoint.</summary>
    public bool Dirty { get; set; }

    /// <summary>Folds events (in fold order) not seen before, newer than the replay's clock, and marks the state for writing.</summary>
    public void Fold(IEnumerable<UsageEvent> events)
    {
        var until = Replay.Until;
        Replay.Fold(events.Where(e => e.Timestamp > until));
        if (Replay.Until > until)
        {
            LastSeen = Math.Max(LastSeen, Replay.Until);
            Dirty = true;
        }
    }

    public byte[] Save()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        writer.Write(Magic);
        writer.Write((byte)StateReader.CurrentVersion);
        writer.Write(Replay.Strategy.Name);
        writer.Write(Replay.Window.Ticks);
        writer.Write(LastSeen);
        Replay.Write(writer);
        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>
    /// The saved state, or null when it was saved by another strategy or window (then it is relearned). Throws
    /// <see cref="InvalidDataException"/> (or <see cref="EndOfStreamException"/>) for a value that is not a checkpoint.
    /// </summary>
    public static WorkloadState? Load(WorkloadRef workload, IRecommendationStrategy strategy, TimeSpan window, byte[] data)
    {
        using var stream = new MemoryStream(data);
        if (data.Length < 5 || System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(data) != Magic)
        {
            throw new InvalidDataException($"the checkpoint of {workload} is not a resorcerer checkpoint");
        }

        stream.Position = 4;
        using var reader = new StateReader(stream, stream.ReadByte());
        if (reader.ReadString() != strategy.Name || reader.ReadInt64() != window.Ticks)
        {
            return null;
        }

        var state = new WorkloadState(workload, strategy, window) { LastSeen = reader.ReadInt64() };
        state.Replay.Read(reader);
        if (stream.Position != stream.Length)
        {
            throw new InvalidDataException($"the checkpoint of {workload} has {stream.Length - stream.Position} bytes after its end");
        }

        return state;
    }
}
