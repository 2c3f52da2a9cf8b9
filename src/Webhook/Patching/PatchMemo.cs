using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Resorcerer.Profiles;
using Resorcerer.Sizing;

namespace Resorcerer.Webhook.Patching;

/// <summary>
/// Remembers the patches built from each profile: the pods of one workload come from one template, so most
/// admissions ask for a patch that was already built. Keyed by the profile object itself, so a profile read
/// again from Redis starts afresh and a dropped one takes its patches with it. Only profiles that are applied
/// as they are (no hold) are remembered; a hold names an age that changes from one admission to the next.
/// </summary>
public sealed class PatchMemo(int maxConnectionEdges = ConnectionAnnotation.DefaultMaxEdges)
{
    /// <summary>Enough for the pod shapes one workload has at a time (its template, a rollout's next one, a few odd pods).</summary>
    public const int PerProfile = 16;

    private readonly ConditionalWeakTable<WorkloadProfile, ConcurrentDictionary<PodResources, PodPatch>> _byProfile = new();

    /// <summary>The patch for the pod under the profile and the policy stored with it (see <see cref="PodPatchBuilder.Build(PodResources, WorkloadProfile, WorkloadPolicy, SizingRequest)"/>).</summary>
    public PodPatch Build(PodResources pod, WorkloadProfile profile, string? hold)
    {
        var policy = profile.Policy ?? WorkloadPolicy.Default;
        var request = new SizingRequest { Hold = hold, MaxConnectionEdges = maxConnectionEdges, Boost = policy.CpuStartupBoost };
        if (hold is not null)
        {
            return PodPatchBuilder.Build(pod, profile, policy, request);
        }

        var patches = _byProfile.GetOrCreateValue(profile);
        if (patches.TryGetValue(pod, out var known))
        {
            return known;
        }

        var patch = PodPatchBuilder.Build(pod, profile, policy, request);
        if (patches.Count >= PerProfile)
        {
            patches.Clear();
        }

        patches[pod] = patch;
        return patch;
    }

    /// <summary>How many patches are remembered for the profile.</summary>
    internal int Count(WorkloadProfile profile) => _byProfile.TryGetValue(profile, out var patches) ? patches.Count : 0;
}
