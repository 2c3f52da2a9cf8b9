using Microsoft.Extensions.Caching.Memory;
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
/// Profiles for admission: from memory when recently read, otherwise from Redis within a short deadline.
/// Past the deadline or with Redis down the answer is "unavailable", and the pod goes through unchanged.
/// </summary>
public sealed class ProfileCache(IProfileReader store, IMemoryCache cache, IOptions<WebhookOptions> options, WebhookMetrics metrics)
{
    public async Task<ProfileLookup> GetAsync(WorkloadRef workload, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(workload, out WorkloadProfile? cached))
        {
            metrics.CacheLookup(cached is null ? "hit_absent" : "hit");
            return cached is null ? new ProfileLookup(LookupStatus.NotFound, null) : new ProfileLookup(LookupStatus.Found, cached);
        }

        var settings = options.Value;
        try
        {
            var profile = await store.GetAsync(workload, cancellationToken).WaitAsync(settings.RedisTimeout.Value, cancellationToken);
            metrics.CacheLookup("miss");
            cache.Set(workload, profile, profile is null ? settings.AbsentProfileTtl.Value : settings.ProfileTtl.Value);
            return profile is null ? new ProfileLookup(LookupStatus.NotFound, null) : new ProfileLookup(LookupStatus.Found, profile);
        }
        catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException)
        {
            metrics.CacheLookup("error");
            var problem = e is TimeoutException ? $"Redis did not answer within {settings.RedisTimeout}" : $"Redis is unavailable: {e.Message}";
            return new ProfileLookup(LookupStatus.Unavailable, null, problem);
        }
    }
}
