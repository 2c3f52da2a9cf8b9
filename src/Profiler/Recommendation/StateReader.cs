using System.Text;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// Reads learned state back as it was written, in the format <see cref="Version"/> that wrote it: parts whose
/// layout changed between versions read the old layout too, so that an upgrade keeps what was learned.
/// </summary>
public sealed class StateReader(Stream input, int version) : BinaryReader(input, Encoding.UTF8, leaveOpen: true)
{
    /// <summary>Version 1: float weights without stored totals, a byte for day counts, per-container replay clocks.</summary>
    public const int FirstVersion = 1;

    /// <summary>Version 2: exact (double) costs and histogram totals, the replay's clock per workload.</summary>
    public const int SecondVersion = 2;

    /// <summary>Version 3: resorcerer's memory peaks held per day on the running clock, and its CPU levels per hour of the day.</summary>
    public const int CurrentVersion = 3;

    public int Version { get; } = version is >= FirstVersion and <= CurrentVersion
        ? version
        : throw new InvalidDataException($"state format version {version} is not one this version of resorcerer reads ({FirstVersion} to {CurrentVersion})");
}
