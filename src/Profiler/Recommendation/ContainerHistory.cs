using Resorcerer.Profiler.Recommendation.Histograms;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>
/// What has been learned about one container name of a workload: the strategy's estimator, and the usage observed
/// beside it (for the profile's percentiles, and for deciding when there is enough data to recommend).
/// </summary>
public sealed class ContainerHistory(IRecommendationStrategy strategy, TimeSpan window)
{
    public IContainerEstimator Estimator { get; } = strategy.CreateEstimator();

    public ObservedUsage Cpu { get; } = new(ExponentialBuckets.Cpu, window);

    public ObservedUsage Memory { get; } = new(ExponentialBuckets.Memory, window);

    public void Apply(UsageEvent usage)
    {
        switch (usage.Kind)
        {
            case UsageKind.Cpu:
                Estimator.AddCpu(usage.Timestamp, usage.Value);
                Cpu.Add(usage.Timestamp, usage.Value);
                break;
            case UsageKind.Memory:
                Estimator.AddMemory(usage.Timestamp, usage.Value);
                Memory.Add(usage.Timestamp, usage.Value);
                break;
            default:
                Estimator.AddOom(usage.Timestamp, usage.Value, usage.RequestBytes);
                break;
        }
    }

    public void Write(BinaryWriter writer)
    {
        Cpu.Write(writer);
        Memory.Write(writer);
        Estimator.Write(writer);
    }

    public void Read(StateReader reader)
    {
        Cpu.Read(reader);
        Memory.Read(reader);
        Estimator.Read(reader);
    }
}
