using Resorcerer.Profiler.Recommendation.Strategies;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>The strategies users can pick by name; the profiler and the backtest use the same instances.</summary>
public static class StrategyCatalog
{
    public static IRecommendationStrategy Default { get; } = new ResorcererStrategy();

    public static IReadOnlyList<IRecommendationStrategy> All { get; } = [Default, new VpaStrategy(), new KrrStrategy()];

    public static IRecommendationStrategy? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    public static string Names => string.Join(", ", All.Select(s => s.Name));
}
