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

/// <summary>
/// A lookup's result. <see cref="Problem"/>, when set, is what the pod's creator is told (in their words);
/// <see cref="Detail"/> is the store's own account of it, for the log.
/// </summary>
public sealed record ProfileLookup(LookupStatus Status, WorkloadProfile? Profile, string? Problem = null, string? Detail = null);

/// <summary>
/// Profiles for admission, served from memory. A profile read from Redis is fresh for <c>--profile-ttl</c>; after
/// that the next admission reads Redis again, within <c>--redis-timeout</c>. When Redis is slow or down the
/// remembered profile is served anyway (counted as stale), and a workload never seen gets no profile: the pod
/// goes through unchanged. Redis coming back is picked up by the next read, without a restart. The absence of
/// profiles is remembered for at most <see cref="MaxAbsentEntries"/> workloads, so that pods naming ever new owners
/// cannot grow the webhook's memory.
/// </summary>
public sealed class ProfileCache(IProfileReader store, TimeProvider time, IOptions<WebhookOptions> options, WebhookMetrics metrics)
{
    /// <summary>Workloads without a profile remembered at most; past it expired ones are swept, and if none are, no more are remembered.</summary>
    public const int MaxAbsentEntries = 10_000;

    private readonly ConcurrentDictionary<WorkloadRef, Entry> _entries = new();
    private int _absent;
    private long _lastSweep;

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
            Remember(workload, entry);
            return entry.Lookup;
        }
        catch (Exception e) when (e is TimeoutException or StackExchange.Redis.RedisException or System.Text.Json.JsonException)
        {
            var detail = e switch
            {
                TimeoutException => $"Redis did not answer within {settings.RedisTimeout}",
                System.Text.Json.JsonException => $"the stored profile of {workload} cannot be read: {e.Message}",
                _ => $"Redis is unavailable: {e.Message}",
            };
            var problem = e is System.Text.Json.JsonException ? "the stored profile cannot be read" : "the profile store is unavailable";
            if (known?.Profile is { } stale)
            {
                // Better a profile read a little while ago than none: the profiler rewrites them every few minutes.
                metrics.CacheLookup("stale");
                return new ProfileLookup(LookupStatus.Found, stale, problem + ", so a profile read earlier was used", detail);
            }

            metrics.CacheLookup("error");
            return new ProfileLookup(LookupStatus.Unavailable, null, problem, detail);
        }
    }

    /// <summary>Keeps the entry; an absent profile only while fewer than <see cref="MaxAbsentEntries"/> are kept.</summary>
    private void Remember(WorkloadRef workload, Entry entry)
    {
        var wasAbsent = _entries.TryGetValue(workload, out var old) && old.Profile is null;
        if (entry.Profile is null && !wasAbsent && Volatile.Read(ref _absent) >= MaxAbsentEntries && !Sweep())
        {
            return;
        }

        _entries[workload] = entry;
        var change = (entry.Profile is null ? 1 : 0) - (wasAbsent ? 1 : 0);
        if (change != 0)
        {
            Interlocked.Add(ref _absent, change);
        }
    }

    /// <summary>Forgets expired absences, at most once a second, and counts the rest again; true when there is room.</summary>
    private bool Sweep()
    {
        var now = time.GetUtcNow();
        var last = Interlocked.Read(ref _lastSweep);
        if (now.UtcTicks - last > TimeSpan.TicksPerSecond && Interlocked.CompareExchange(ref _lastSweep, now.UtcTicks, last) == last)
        {
            var absent = 0;
            foreach (var (workload, entry) in _entries)
            {
                if (entry.Profile is not null)
                {
                    continue;
                }

                if (now - entry.ReadAt < options.Value.AbsentProfileTtl.Value || !_entries.TryRemove(new(workload, entry)))
                {
                    absent++;
                }
            }

            Volatile.Write(ref _absent, absent);
        }

        return Volatile.Read(ref _absent) < MaxAbsentEntries;
    }

    /// <summary>Absent profiles remembered now (for tests and metrics).</summary>
    public int AbsentEntries => Volatile.Read(ref _absent);

    private static ProfileLookup Lookup(WorkloadProfile? profile) =>
        profile is null ? new ProfileLookup(LookupStatus.NotFound, null) : new ProfileLookup(LookupStatus.Found, profile);
}
