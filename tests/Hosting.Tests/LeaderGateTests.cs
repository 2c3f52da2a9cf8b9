using Microsoft.Extensions.Logging.Abstractions;
using Resorcerer.TestSupport;

namespace Resorcerer.Hosting.Tests;

/// <summary>Two replicas campaign for one Lease on a fake API server that keeps Leases as the real one does.</summary>
public sealed class LeaderGateTests : IAsyncLifetime
{
    private FakeKubernetesApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubernetesApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private LeaderGate Replica(string identity) => new(_api.Client,
        new Settings("resorcerer", "resorcerer-profiler", Configuration.Duration.FromSeconds(3)), // short for the test, long enough for a loaded machine
        NullLogger<LeaderGate>.Instance, identity);

    [Fact]
    public async Task One_replica_leads_and_another_takes_over_when_it_stops()
    {
        using var a = Replica("profiler-a");
        using var b = Replica("profiler-b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var campaigns = new[] { a.RunAsync(stopA.Token), b.RunAsync(stopB.Token) };

        var aLeads = a.WaitUntilLeadingAsync(CancellationToken.None);
        var bLeads = b.WaitUntilLeadingAsync(CancellationToken.None);
        var first = await Task.WhenAny(aLeads, bLeads).WaitAsync(TimeSpan.FromSeconds(20));
        var (leader, standby, stopLeader) = first == aLeads ? (a, b, stopA) : (b, a, stopB);
        Assert.False(standby.IsLeader && leader.IsLeader, "both replicas lead at once");
        Assert.Equal(leader.Identity, _api.Lease("resorcerer", "resorcerer-profiler")!["spec"]!["holderIdentity"]!.GetValue<string>());

        var lost = await leader.WaitUntilLeadingAsync(CancellationToken.None);
        await stopLeader.CancelAsync();
        await standby.WaitUntilLeadingAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(standby.IsLeader);
        Assert.Equal(standby.Identity, _api.Lease("resorcerer", "resorcerer-profiler")!["spec"]!["holderIdentity"]!.GetValue<string>());
        await stopA.CancelAsync();
        await stopB.CancelAsync();
        await Task.WhenAll(campaigns.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));
        GC.KeepAlive(lost);
    }

    private sealed record Settings(string? LeaderElectionNamespace, string LeaderElectionName, Configuration.Duration LeaseDuration) : ILeaderElectionSettings
    {
        public bool LeaderElect => true;
    }
}
