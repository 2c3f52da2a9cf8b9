using Resorcerer.Quantities;

namespace Resorcerer.Profiler.Recommendation;

/// <summary>How natural-unit estimates become the integer amounts stored in profiles and set on pods.</summary>
public static class Amounts
{
    /// <summary>Cores to millicores, rounded up; infinite or absurd values are capped.</summary>
    public static long Millicores(double cores) => (long)Math.Ceiling(Math.Min(Math.Max(cores, 0), 1e9) * 1000 - 1e-6);

    /// <summary>Bytes, rounded up; infinite or absurd values are capped.</summary>
    public static long Bytes(double bytes) => (long)Math.Ceiling(Math.Min(Math.Max(bytes, 0), 1e18) - 1e-6);

    /// <summary>A CPU estimate in whole millicores (rounded up), the bounds bracketing the target.</summary>
    public static RecommendedAmounts Cpu(Estimate estimate) => new(
        Millicores(estimate.Target),
        Millicores(Math.Min(estimate.LowerBound, estimate.Target)),
        Millicores(Math.Max(estimate.UpperBound, estimate.Target)));

    /// <summary>A memory estimate in whole MiB (rounded up), so that requests read well and never fall below the estimate.</summary>
    public static RecommendedAmounts Memory(Estimate estimate) => new(
        Quantity.RoundUpToMebibytes(Bytes(estimate.Target)),
        Quantity.RoundUpToMebibytes(Bytes(Math.Min(estimate.LowerBound, estimate.Target))),
        Quantity.RoundUpToMebibytes(Bytes(Math.Max(estimate.UpperBound, estimate.Target))));
}

/// <summary>A recommended request and its bounds in integer units: millicores for CPU, bytes for memory.</summary>
public readonly record struct RecommendedAmounts(long Target, long LowerBound, long UpperBound);

/// <summary>A container's recommendation as stored and applied; a resource is null until there is enough data for it.</summary>
public readonly record struct ContainerRecommendation(RecommendedAmounts? Cpu, RecommendedAmounts? Memory);
