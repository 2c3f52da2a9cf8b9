using Microsoft.Extensions.Options;
using Prometheus;
using Resorcerer.Profiles;
using Resorcerer.Storage;
using Resorcerer.Webhook.Admission;
using Resorcerer.Webhook.Profiles;
using Resorcerer.Workloads;

namespace Resorcerer.Webhook.Tests.Profiles;

public sealed class ProfileCacheTests
{
    /// <summary>A store that holds nothing, and counts how often it is asked.</summary>
    private sealed class Empty : IProfileReader
    {
        public int Reads { get; private set; }

        public Task<WorkloadProfile?> GetAsync(WorkloadRef workload, CancellationToken cancellationToken)
        {
            Reads++;
            return Task.FromResult<WorkloadProfile?>(null);
        }
    }

    private sealed class MovableTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch.AddDays(1000);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Pods_naming_ever_new_owners_cannot_grow_the_memory_of_absent_profiles()
    {
        var store = new Empty();
        var clock = new MovableTime();
        var cache = new ProfileCache(store, clock, Options.Create(new WebhookOptions()), new WebhookMetrics(Metrics.WithCustomRegistry(Metrics.NewCustomRegistry())));

        for (var i = 0; i < 3 * ProfileCache.MaxAbsentEntries; i++)
        {
            Assert.Equal(LookupStatus.NotFound, (await cache.GetAsync(new WorkloadRef("shop", "Deployment", $"owner-{i}"), CancellationToken.None)).Status);
        }

        Assert.Equal(ProfileCache.MaxAbsentEntries, cache.AbsentEntries);

        // Once the absences are older than --absent-profile-ttl they are swept, and new ones remembered again.
        clock.Now = clock.Now.AddMinutes(1);
        await cache.GetAsync(new WorkloadRef("shop", "Deployment", "newcomer"), CancellationToken.None);
        Assert.Equal(1, cache.AbsentEntries);
        var reads = store.Reads;
        await cache.GetAsync(new WorkloadRef("shop", "Deployment", "newcomer"), CancellationToken.None);
        Assert.Equal(reads, store.Reads); // remembered
    }
}
