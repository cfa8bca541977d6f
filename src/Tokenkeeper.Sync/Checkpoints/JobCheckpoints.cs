using Tokenkeeper.Storage;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Sync.Checkpoints;

/// <summary>One job's checkpoint in the store: read it at the start, then advance it with compare-and-swap after every batch.</summary>
internal sealed class JobCheckpoints(ICheckpointStore store, SyncJob job, TimeProvider time)
{
    private long _version;

    /// <summary>Loads the checkpoint to resume from, or begins a generation: the first, or the next one on
    /// <paramref name="restart"/> (committed at once, so a crash before its first batch still resumes the new generation).</summary>
    /// <exception cref="TokenkeeperConfigurationException">The job was changed in a way its checkpointed generation cannot survive.</exception>
    public async Task<SyncCheckpoint> BeginAsync(bool restart, CancellationToken cancellationToken)
    {
        var stored = await store.GetCheckpointAsync(job.Id, cancellationToken).ConfigureAwait(false);
        _version = stored?.Version ?? 0;
        var shape = CheckpointShape.Of(job);
        var now = time.GetUtcNow();
        if (stored is null)
        {
            // A new lineage, committed before any batch is sent: a batch sent under it and not checkpointed (a crash) is re-sent
            // under the same key by the rerun, while a job run against another store (a lost or deleted one) never reuses its keys.
            var first = new SyncCheckpoint { Lineage = NewLineage(), Generation = 1, Shape = shape, StartedAt = now, UpdatedAt = now };
            await CommitAsync(first, cancellationToken).ConfigureAwait(false);
            return first;
        }

        var checkpoint = CheckpointJson.Deserialize(job.Id, stored.Payload);
        if (restart)
        {
            var next = new SyncCheckpoint { Lineage = checkpoint.Lineage ?? NewLineage(), Generation = checkpoint.Generation + 1, Shape = shape, StartedAt = now, UpdatedAt = now };
            await CommitAsync(next, cancellationToken).ConfigureAwait(false);
            return next;
        }

        var changes = checkpoint.Shape.Differences(shape);
        if (changes.Count > 0 && !checkpoint.Completed && checkpoint.Batch > 0)
        {
            throw new TokenkeeperConfigurationException(
                $"Job '{job.Id}' changed since generation {checkpoint.Generation} was checkpointed at batch {checkpoint.Batch}: {string.Join("; ", changes)}. " +
                "A resumed generation must cut batches the same way (their idempotency keys are already used). Put the old values back to finish it, or start over with --restart.");
        }

        return changes.Count > 0 && checkpoint.Batch == 0 ? checkpoint with { Shape = shape } : checkpoint;
    }

    private static string NewLineage() => System.Security.Cryptography.RandomNumberGenerator.GetHexString(SyncConstants.LineageLength, lowercase: true);

    /// <summary>Commits <paramref name="checkpoint"/>; another run having moved it first is a failure of this run.</summary>
    public async Task<bool> CommitAsync(SyncCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var stamped = checkpoint with { UpdatedAt = time.GetUtcNow() };
        var version = await store.CommitCheckpointAsync(job.Id, CheckpointJson.Serialize(stamped), _version, cancellationToken).ConfigureAwait(false);
        if (version is null)
        {
            throw SyncStepException.Permanent(
                SyncFailureKind.CheckpointConflict,
                $"the checkpoint of job '{job.Id}' was moved by another run of the same job; this run stops. Nothing is lost: a rerun resumes from the newer checkpoint");
        }

        _version = version.Value;
        return true;
    }
}
