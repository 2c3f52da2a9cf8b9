using Resorcerer.Profiles;

namespace Resorcerer.Updating.Planning;

/// <summary>The rules the updater decides by (VPA-compatible defaults); each is a flag of the program.</summary>
public sealed record UpdateSettings
{
    /// <summary>A pod older than <see cref="MinAge"/> is updated when a request differs from its target by more than this.</summary>
    public double MinChange { get; init; } = 0.10;

    public TimeSpan MinAge { get; init; } = TimeSpan.FromHours(12);

    /// <summary>A profile older than this moves no pod towards its targets (OOM kills, the guard and boosts still count).</summary>
    public TimeSpan MaxProfileAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>A workload's pod is evicted only while at least this many of its pods are Ready.</summary>
    public int MinReplicas { get; init; } = 2;

    /// <summary>A resize Deferred this long falls back (eviction where the mode allows it).</summary>
    public TimeSpan DeferredTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A resize in progress this long falls back.</summary>
    public TimeSpan InProgressTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The memory guard for workloads that do not set their own; null: off.</summary>
    public MemoryGuard? DefaultMemoryGuard { get; init; }

    /// <summary>A memory limit is never lowered below the container's working set times this.</summary>
    public double MemoryLimitMargin { get; init; } = 1.2;

    /// <summary>After an OOM kill memory goes up to at least max(request + this, request x <see cref="OomBumpRatio"/>), as the VPA bumps it.</summary>
    public long OomMinBumpBytes { get; init; } = 100L * 1024 * 1024;

    public double OomBumpRatio { get; init; } = 1.2;
}
