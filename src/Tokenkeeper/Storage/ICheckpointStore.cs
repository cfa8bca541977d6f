namespace Tokenkeeper.Storage;

/// <summary>
/// Where resumable jobs keep their checkpoints, next to the tokens they use (the same file or database). Commits are
/// compare-and-swap on the version, so two runs of one job cannot both advance it.
/// </summary>
public interface ICheckpointStore
{
    /// <summary>Reads a job's checkpoint, or null when the job never committed one.</summary>
    ValueTask<StoredCheckpoint?> GetCheckpointAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Writes a checkpoint if the stored one is still at <paramref name="expectedVersion"/> (0: none stored yet).
    /// Returns the new version, or null when another writer moved it first.</summary>
    ValueTask<long?> CommitCheckpointAsync(string jobId, string payload, long expectedVersion, CancellationToken cancellationToken = default);
}
