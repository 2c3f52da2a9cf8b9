using System.Text.Json;
using Microsoft.Extensions.Options;
using Resorcerer.Profiler.Storage;

namespace Resorcerer.Profiler.Profiling;

/// <summary>
/// Each namespace's cursor: the time up to which its usage has been read, kept beside the checkpoints so that a
/// restart or a new leader reads on from there. Read once per process; until it has been read no cycle runs, since
/// without it every namespace would be read again from the start of its history.
/// </summary>
public sealed class CursorStore(ICheckpointStore checkpoints, IOptions<ProfilerOptions> options, ILogger logger)
{
    public const string Key = "cursors";
    private Dictionary<string, long>? _cursors;

    /// <summary>The cursors, read from Redis the first time; throws when Redis cannot be used.</summary>
    public async Task<Dictionary<string, long>> LoadAsync(CancellationToken cancellationToken)
    {
        if (_cursors is not null)
        {
            return _cursors;
        }

        byte[]? data;
        try
        {
            data = await checkpoints.LoadAsync(Key, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            data = null;
            await SetAsideAsync(e.Message, cancellationToken);
        }

        try
        {
            _cursors = data is null ? [] : JsonSerializer.Deserialize<Dictionary<string, long>>(data) ?? [];
        }
        catch (JsonException e)
        {
            await SetAsideAsync(e.Message, cancellationToken);
            _cursors = [];
        }

        return _cursors;
    }

    /// <summary>Saves the cursors; with Redis down they stay in memory and are saved with the next cycle.</summary>
    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await checkpoints.SaveAsync(Key, JsonSerializer.SerializeToUtf8Bytes(_cursors), cancellationToken);
        }
        catch (Exception e) when (LearnedStates.IsRedisFailure(e) && !options.Value.Once)
        {
            // Kept in memory; saved with the next cycle.
        }
    }

    private async Task SetAsideAsync(string error, CancellationToken cancellationToken)
    {
        var aside = await checkpoints.MoveAsideAsync(Key, cancellationToken);
        logger.LogWarning("The saved cursors cannot be read ({Error}): a copy is kept at {Key}; history is read again, and what was learned is kept",
            error, aside);
    }
}
