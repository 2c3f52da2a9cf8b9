namespace Resorcerer.Profiler.Model;

/// <summary>Where the profiler keeps its learned state between runs: opaque blobs by key.</summary>
public interface ICheckpointStore
{
    Task<byte[]?> LoadAsync(string key, CancellationToken cancellationToken);

    Task SaveAsync(string key, byte[] data, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}
