namespace Resorcerer.Profiler.Recommendation;

/// <summary>A recommended request with the bounds around it, in natural units (cores or bytes).</summary>
public readonly record struct Estimate(double Target, double LowerBound, double UpperBound)
{
    public Estimate Scale(double factor) => new(Target * factor, LowerBound * factor, UpperBound * factor);

    public Estimate AtLeast(double floor) => new(Math.Max(Target, floor), Math.Max(LowerBound, floor), Math.Max(UpperBound, floor));

    /// <summary>Every value within [<paramref name="floor"/>, <paramref name="ceiling"/>]; a value that is not a number becomes the ceiling.</summary>
    public Estimate Within(double floor, double ceiling)
    {
        double Bound(double value) => double.IsNaN(value) ? ceiling : Math.Clamp(value, floor, ceiling);
        return new(Bound(Target), Bound(LowerBound), Bound(UpperBound));
    }
}

/// <summary>A container's recommendation; a resource is null until the strategy has enough data for it.</summary>
public readonly record struct ContainerEstimate(Estimate? Cpu, Estimate? Memory);

/// <summary>
/// The learned state of one container (of one workload) under a strategy. Usage is folded in sample by sample in
/// time order, never re-read, and the replay ticks once at every whole hour, after the samples up to that hour:
/// only samples, OOM kills and ticks change the state. Asking for a recommendation never does, so a profile
/// depends on the data alone, not on when or how often it was asked for. The state can be saved and restored
/// exactly, so that the profiler can checkpoint it and a backtest replays history through the code the profiler runs.
/// </summary>
public interface IContainerEstimator
{
    /// <summary>A CPU usage sample, in cores.</summary>
    void AddCpu(long timestamp, double cores);

    /// <summary>A memory usage (working set) sample, in bytes.</summary>
    void AddMemory(long timestamp, double bytes);

    /// <summary>The container was OOM-killed at <paramref name="timestamp"/> using <paramref name="bytes"/> with this memory request.</summary>
    void AddOom(long timestamp, double bytes, double? requestBytes);

    /// <summary>
    /// The replay's hourly step, at the whole hour <paramref name="hour"/> once every sample up to it is in: where a
    /// strategy learns from how its own answers fared, it decides its next answer here.
    /// </summary>
    void Tick(long hour);

    /// <summary>The recommendation from what was learned so far; reads the state, never changes it.</summary>
    ContainerEstimate Recommend(long now);

    void Write(BinaryWriter writer);

    void Read(StateReader reader);
}

/// <summary>A way of turning usage into recommendations: the VPA's, KRR's, or resorcerer's own.</summary>
public interface IRecommendationStrategy
{
    /// <summary>Short name used on the command line and stored in profiles, e.g. <c>vpa</c>.</summary>
    string Name { get; }

    /// <summary>One line for <c>--help</c>.</summary>
    string Description { get; }

    IContainerEstimator CreateEstimator();

    /// <summary>
    /// Adjusts the recommendations of all containers of one pod together, for rules that apply per pod
    /// (the VPA shares its per-pod minimums among containers). Most strategies return them unchanged.
    /// </summary>
    IReadOnlyDictionary<string, ContainerEstimate> ForPod(IReadOnlyDictionary<string, ContainerEstimate> containers) => containers;
}
