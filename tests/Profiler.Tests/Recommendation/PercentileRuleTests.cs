using Resorcerer.Profiler.Recommendation;
using Resorcerer.Profiles;

namespace Resorcerer.Profiler.Tests.Recommendation;

public class PercentileRuleTests
{
    private const long Mi = 1024 * 1024;
    private static readonly RecommendationSettings Settings = new(MinSamples: 100, MinHistory: TimeSpan.FromHours(3), MinCpuMillicores: 10, MinMemoryBytes: 32 * Mi);
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static UsageSummary Observed(long p50, long p95, long p99, long max, long samples = 1000, double hours = 24) =>
        new(p50, p95, p95, p99, max, samples, Start, Start.AddHours(hours));

    public static TheoryData<string, UsageSummary, long, long, long> CpuCases => new()
    {
        { "target p95, bounds p50 and p99", Observed(100, 250, 300, 400), 250, 100, 300 },
        { "floor lifts an idle container", Observed(1, 2, 3, 5), 10, 10, 10 },
        { "upper bound never under target", Observed(100, 250, 200, 260), 250, 100, 250 },
    };

    [Theory]
    [MemberData(nameof(CpuCases))]
    public void Cpu(string name, UsageSummary observed, long target, long lower, long upper)
    {
        var profile = PercentileRule.Cpu(observed, Settings);
        Assert.NotNull(profile);
        Assert.True((target, lower, upper) == (profile.Target, profile.LowerBound, profile.UpperBound), name);
        Assert.Same(observed, profile.Observed);
    }

    public static TheoryData<string, UsageSummary, long, long, long> MemoryCases => new()
    {
        // 200 Mi x 1.15 = 230 Mi exactly; x 1.30 = 260 Mi.
        { "peak plus 15%", Observed(100 * Mi, 150 * Mi, 190 * Mi, 200 * Mi), 230 * Mi, 150 * Mi, 260 * Mi },
        // 150 Mi x 1.15 = 172.5 Mi rounds up to 173 Mi; x 1.3 = 195 Mi.
        { "rounded up to whole MiB", Observed(100 * Mi, 150 * Mi, 150 * Mi, 150 * Mi), 173 * Mi, 150 * Mi, 195 * Mi },
        { "floor of 32 MiB", Observed(5 * Mi, 10 * Mi, 10 * Mi, 10 * Mi), 32 * Mi, 32 * Mi, 32 * Mi },
    };

    [Theory]
    [MemberData(nameof(MemoryCases))]
    public void Memory(string name, UsageSummary observed, long target, long lower, long upper)
    {
        var profile = PercentileRule.Memory(observed, Settings);
        Assert.NotNull(profile);
        Assert.True((target, lower, upper) == (profile.Target, profile.LowerBound, profile.UpperBound),
            $"{name}: got {profile.Target / (double)Mi}/{profile.LowerBound / (double)Mi}/{profile.UpperBound / (double)Mi} Mi");
    }

    [Theory]
    [InlineData(99, 24)] // too few samples
    [InlineData(1000, 2.9)] // too short a history
    public void Thin_data_gives_no_recommendation(long samples, double hours)
    {
        var observed = Observed(100, 200, 300, 400, samples, hours);
        Assert.Null(PercentileRule.Cpu(observed, Settings));
        Assert.Null(PercentileRule.Memory(observed, Settings));
        Assert.Null(PercentileRule.Cpu(null, Settings));
    }
}
