using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Webhook.Admission;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Profiles;

/// <summary>Whether a profile was found, is absent, or could not be looked up in time.</summary>
public enum LookupStatus
{
    Found,
    NotFound,
    Unavailable,
}

public sealed record ProfileLookup(LookupStatus Status, WorkloadProfile? Profile, string? Problem = null);

/// <summary>
/// Profiles for admission, served from memory. A profile read from Redis is fresh for <c>--profile-ttl</c>; after
/// that the next admission reads Redis again, within <c>--redis-timeout</c>. When Redis is slow or down the
/// remembered profile is served anyway (counted as stale), and a workload never seen gets no profile: the pod
/// goes through unchanged. Redis coming back is picked up by the next read, without a restart.
/// </summary>
public sealed class ProfileCache(IProfileReader store, TimeProvider time, IOptions<WebhookOptions> options, WebhookMetrics metrics)
{
    private readonly ConcurrentDictionary<WorkloadRef, Entry> _entries = new();

    private sealed record Entry(WorkloadProfile? Profile, DateTimeOffset ReadAt)
    {
        /// <summary>The answer for a lookup served from memory, made once.</summary>
        public ProfileLookup Lookup { get; } = ProfileCache.Lookup(Profile);
    }

    public async ValueTask<ProfileLookup> GetAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        _entries.TryGetValue(workload, out var known);
        if (known is not null && now - known.ReadAt < (known.Profile is null ? settings.AbsentProfileTtl.Value : settings.ProfileTtl.Value))
        {
            metrics.CacheLookup(known.Profile is null ? "hit_absent" : "hit");
            return known.Lookup;
        }

        try
        {
            var profile = await store.GetAsync(workload, cancellationToken).WaitAsync(settings.RedisTimeout.Value, time, cancellationToken);
            metrics.CacheLookup("miss");
            var entry = new Entry(profile, time.GetUtcNow());
            _entries[workload] = entry;
            return entry.Lookup;
        }
        catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException)
        {
            var problem = e is TimeoutException ? $"Redis did not answer within {settings.RedisTimeout}" : $"Redis is unavailable: {e.Message}";
            if (known?.Profile is { } stale)
            {
                // Better a profile read a little while ago than none: the profiler rewrites them every few minutes.
                metrics.CacheLookup("stale");
                return new ProfileLookup(LookupStatus.Found, stale, problem);
            }

            metrics.CacheLookup("error");
            return new ProfileLookup(LookupStatus.Unavailable, null, problem);
        }
    }

    private static ProfileLookup Lookup(WorkloadProfile? profile) =>
        profile is null ? new ProfileLookup(LookupStatus.NotFound, null) : new ProfileLookup(LookupStatus.Found, profile);
}
