namespace Resorcerer.Profiler.Storage;

/// <summary>Where the profiler keeps its learned state between runs: opaque blobs by key.</summary>
public interface ICheckpointStore
{
    /// <summary>The blob, or null when there is none; <see cref="InvalidDataException"/> when the key holds something that is not one.</summary>
    Task<byte[]?> LoadAsync(string key, CancellationToken cancellationToken);

    Task SaveAsync(string key, byte[] data, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>Keeps a copy of an unreadable value under a key that says so, for a person to look at; returns that key.</summary>
    Task<string> MoveAsideAsync(string key, CancellationToken cancellationToken);
}
