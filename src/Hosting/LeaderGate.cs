using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Resorcerer.Configuration;

namespace Resorcerer.Hosting;

/// <summary>How a program's replicas elect the one that works: the settings every program with replicas shares.</summary>
public interface ILeaderElectionSettings
{
    bool LeaderElect { get; }

    /// <summary>Namespace of the Lease; empty means this pod's own namespace.</summary>
    string? LeaderElectionNamespace { get; }

    string LeaderElectionName { get; }

    /// <summary>How long a Lease holds without renewal; the leader renews well within it.</summary>
    Duration LeaseDuration { get; }
}

/// <summary>
/// Leader election through a Kubernetes Lease, so that several replicas of a program can run with one active. The
/// active one works; the others wait, and one of them takes over when the leader stops renewing the Lease.
/// </summary>
public sealed class LeaderGate(Func<IKubernetes> connect, ILeaderElectionSettings settings, ILogger<LeaderGate> logger, string? identity = null) : IDisposable
{
    /// <summary>The command-line options of leader election, bound under <paramref name="section"/>.</summary>
    public static IReadOnlyList<CliOption> Options(string section, string defaultName) =>
    [
        new("leader-elect", section + ":LeaderElect", "Run several replicas with one active: campaign for a Kubernetes Lease and work only while holding it."),
        new("leader-election-namespace", section + ":LeaderElectionNamespace", "Namespace of the Lease; by default the pod's own (POD_NAMESPACE or the service account's).", "NS"),
        new("leader-election-name", section + ":LeaderElectionName", "Name of the Lease.", "NAME", defaultName),
        new("lease-duration", section + ":LeaseDuration", "How long the Lease holds without renewal; a standby takes over this long after the leader stops.", "DURATION", "15s"),
    ];

    /// <summary>Adds what is wrong with the leader-election settings to <paramref name="failures"/>, each naming its flag.</summary>
    public static void Validate(ILeaderElectionSettings settings, bool once, List<string> failures)
    {
        if (settings.LeaseDuration.Value < TimeSpan.FromSeconds(1))
        {
            failures.Add($"--lease-duration {settings.LeaseDuration} is too short: use 1s or more");
        }

        if (settings.LeaderElect && once)
        {
            failures.Add("--leader-elect and --once do not go together: a single run does not campaign");
        }

        if (string.IsNullOrWhiteSpace(settings.LeaderElectionName))
        {
            failures.Add("--leader-election-name must not be empty");
        }
    }

    private readonly object _lock = new();
    private TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _term = new();
    private LeaderElector? _elector;

    /// <summary>Who this replica is in the Lease: the pod's name, else host and process.</summary>
    public string Identity { get; } = identity
        ?? (Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}-{Environment.ProcessId}");

    public bool IsLeader { get; private set; }

    public string? Leader { get; private set; }

    /// <summary>Starts campaigning; runs until <paramref name="stopping"/> is cancelled.</summary>
    public Task RunAsync(CancellationToken stopping)
    {
        var ns = LeaseNamespace(settings);
        var config = new LeaderElectionConfig(new LeaseLock(connect(), ns, settings.LeaderElectionName, Identity))
        {
            LeaseDuration = settings.LeaseDuration.Value,
            RenewDeadline = settings.LeaseDuration.Value * 2 / 3,
            RetryPeriod = settings.LeaseDuration.Value / 7,
        };
        _elector = new LeaderElector(config);
        _elector.OnStartedLeading += () =>
        {
            logger.LogInformation("{Identity} is now the leader (Lease {Namespace}/{Name}): working", Identity, ns, settings.LeaderElectionName);
            lock (_lock)
            {
                IsLeader = true;
                _leading.TrySetResult();
            }
        };
        _elector.OnStoppedLeading += () =>
        {
            logger.LogWarning("{Identity} lost the leadership: work stops until it is won again", Identity);
            lock (_lock)
            {
                IsLeader = false;
                _term.Cancel();
                _term = new CancellationTokenSource();
                _leading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        };
        _elector.OnNewLeader += leader =>
        {
            Leader = leader;
            if (leader != Identity)
            {
                logger.LogInformation("{Leader} leads; {Identity} stands by", leader, Identity);
            }
        };
        _elector.OnError += e => logger.LogWarning("Leader election: {Error}", e.Message);
        return _elector.RunAndTryToHoldLeadershipForeverAsync(stopping);
    }

    /// <summary>
    /// Campaigns, and runs <paramref name="work"/> each time this replica wins the Lease, with a token cancelled
    /// when it loses it; until <paramref name="stopping"/>. Work cut short by a lost Lease ends quietly: the next
    /// leader starts from what is stored.
    /// </summary>
    public async Task RunWhileLeadingAsync(Func<CancellationToken, Task> work, CancellationToken stopping)
    {
        var campaign = RunAsync(stopping);
        while (!stopping.IsCancellationRequested)
        {
            var term = await WaitUntilLeadingAsync(stopping);
            using var both = CancellationTokenSource.CreateLinkedTokenSource(stopping, term);
            try
            {
                await work(both.Token);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                // Leadership lost mid-work.
            }
        }

        await campaign;
    }

    /// <summary>Waits until this replica leads; returns a token that is cancelled when it stops leading.</summary>
    public async Task<CancellationToken> WaitUntilLeadingAsync(CancellationToken stopping)
    {
        Task leading;
        lock (_lock)
        {
            leading = _leading.Task;
        }

        await leading.WaitAsync(stopping);
        lock (_lock)
        {
            return _term.Token;
        }
    }

    public static string LeaseNamespace(ILeaderElectionSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.LeaderElectionNamespace))
        {
            return settings.LeaderElectionNamespace;
        }

        const string ServiceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        return Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } ns ? ns
            : File.Exists(ServiceAccountNamespace) ? File.ReadAllText(ServiceAccountNamespace).Trim()
            : "default";
    }

    public void Dispose()
    {
        _elector?.Dispose();
        _term.Dispose();
    }
}
