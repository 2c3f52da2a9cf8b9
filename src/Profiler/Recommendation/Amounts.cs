namespace Resorcerer.Profiler.Recommendation;

/// <summary>How natural-unit estimates become the integer amounts stored in profiles and set on pods.</summary>
public static class Amounts
{
    /// <summary>Cores to millicores, rounded up; infinite or absurd values are capped.</summary>
    public static long Millicores(double cores) => (long)Math.Ceiling(Math.Min(Math.Max(cores, 0), 1e9) * 1000 - 1e-6);

    /// <summary>Bytes, rounded up; infinite or absurd values are capped.</summary>
    public static long Bytes(double bytes) => (long)Math.Ceiling(Math.Min(Math.Max(bytes, 0), 1e18) - 1e-6);
}
