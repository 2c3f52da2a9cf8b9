using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Options;

namespace Resorcerer.Profiler.Hosting;

/// <summary>
/// Leader election through a Kubernetes Lease, so that several profiler replicas can run with one active. The
/// active one profiles; the others wait, and one of them takes over (from the checkpoints in Redis) when the
/// leader stops renewing the Lease.
/// </summary>
public sealed class LeaderGate(Func<IKubernetes> connect, IOptions<ProfilerOptions> options, ILogger<LeaderGate> logger, string? identity = null) : IDisposable
{
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
        var settings = options.Value;
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
            logger.LogInformation("{Identity} is now the leader (Lease {Namespace}/{Name}): profiling", Identity, ns, settings.LeaderElectionName);
            lock (_lock)
            {
                IsLeader = true;
                _leading.TrySetResult();
            }
        };
        _elector.OnStoppedLeading += () =>
        {
            logger.LogWarning("{Identity} lost the leadership: profiling stops until it is won again", Identity);
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

    public static string LeaseNamespace(ProfilerOptions settings)
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
