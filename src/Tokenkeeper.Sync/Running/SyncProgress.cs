namespace Tokenkeeper.Sync;

/// <summary>A snapshot of a running sync. Counts are for the current generation (a resumed run starts from its checkpoint's).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Generation">The generation being written (1, then one more per <c>--restart</c>).</param>
/// <param name="RecordsRead">Records read from the source.</param>
/// <param name="RecordsWritten">Records written to the destination and checkpointed.</param>
/// <param name="Batches">Batches written and checkpointed.</param>
/// <param name="ResumedFromBatch">The last checkpointed batch this run started after (0: from the beginning).</param>
/// <param name="ResumedFromRecords">Records already written when this run started.</param>
/// <param name="Retries">Steps the engine retried itself (the HTTP handler's own retries are counted by Tokenkeeper's metrics).</param>
/// <param name="Total">The total the source states, if it does.</param>
public readonly record struct SyncProgress(
    string JobId,
    int Generation,
    long RecordsRead,
    long RecordsWritten,
    long Batches,
    long ResumedFromBatch,
    long ResumedFromRecords,
    long Retries,
    long? Total)
{
    /// <summary>Batches of this run the destination answered as replays of an earlier request with the same
    /// <c>Idempotency-Key</c> (it says so with <c>Idempotent-Replayed: true</c>): their records were not stored again by this
    /// run. One is normal after a crash (the batch sent but not checkpointed); many mean the destination already had them.</summary>
    public long BatchesReplayed { get; init; }
}
