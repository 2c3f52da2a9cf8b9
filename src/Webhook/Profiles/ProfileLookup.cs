using Resorcerer.Profiles;

namespace Resorcerer.Webhook.Profiles;

/// <summary>Whether a profile was found, is absent, or cannot be known yet.</summary>
public enum LookupStatus
{
    Found,
    NotFound,
    Unavailable,
}

/// <summary>
/// A lookup's result. <see cref="Problem"/>, when set, is what the pod's creator is told (in their words);
/// <see cref="Detail"/> is the store's own account of it, for the log.
/// </summary>
public sealed record ProfileLookup(LookupStatus Status, WorkloadProfile? Profile, string? Problem = null, string? Detail = null)
{
    public static ProfileLookup Absent { get; } = new(LookupStatus.NotFound, null);
}
