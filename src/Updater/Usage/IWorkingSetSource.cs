namespace Resorcerer.Updater.Usage;

/// <summary>A pod by namespace and name.</summary>
public readonly record struct PodName(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>The containers' working sets now, for the memory guard and the memory-limit safety.</summary>
public interface IWorkingSetSource
{
    /// <summary>Whether there is anything to read from (no Prometheus configured: no).</summary>
    bool Available { get; }

    /// <summary>Working-set bytes per pod and container in the namespaces, in a fixed number of queries whatever their size.</summary>
    Task<IReadOnlyDictionary<PodName, IReadOnlyDictionary<string, double>>> ReadAsync(IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken);
}

/// <summary>No Prometheus: no working sets.</summary>
public sealed class NoWorkingSets : IWorkingSetSource
{
    public bool Available => false;

    public Task<IReadOnlyDictionary<PodName, IReadOnlyDictionary<string, double>>> ReadAsync(IReadOnlyCollection<string> namespaces, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<PodName, IReadOnlyDictionary<string, double>>>(new Dictionary<PodName, IReadOnlyDictionary<string, double>>());
}
