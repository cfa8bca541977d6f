using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Storage;
using Tokenkeeper.Sync.Checkpoints;
using Tokenkeeper.Sync.Http;
using Tokenkeeper.Sync.Reading;
using Tokenkeeper.Sync.Writing;

namespace Tokenkeeper.Sync.Running;

/// <summary>
/// Moves records from a paged source to a batch destination, resumably: it reads a page, writes its records in numbered
/// batches (each with <c>Idempotency-Key: {job id}:{lineage}:{generation}:{batch}</c>), and after every batch commits a checkpoint
/// — where the next record is, and the counts — to the store. A rerun resumes after the last checkpoint and re-sends the
/// one batch that may have been written but not checkpointed with the same key and body, so the destination stores
/// nothing twice. The engine never touches a token: its two <see cref="HttpClient"/>s carry the Tokenkeeper handler
/// (see <see cref="SyncHttpClients"/>).
/// </summary>
public sealed class SyncEngine
{
    private readonly SyncJob _job;
    private readonly PageReader _reader;
    private readonly BatchWriter _writer;
    private readonly JobCheckpoints _checkpoints;
    private readonly StepRetrier _retrier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private long _recordsRead;
    private long _recordsWritten;
    private long _batches;
    private long _batchesReplayed;
    private long _resumedBatch;
    private long _resumedRecords;
    private long _total = -1;
    private int _generation;

    /// <summary>Creates an engine for <paramref name="job"/>.</summary>
    /// <param name="job">The job; validated here.</param>
    /// <param name="source">Reads the source: a client carrying the source connection's handler.</param>
    /// <param name="destination">Writes the destination: a client carrying the destination connection's handler.</param>
    /// <param name="checkpoints">Where the job's checkpoint lives (the token store, normally).</param>
    /// <param name="options">Retry options; defaults when null.</param>
    /// <param name="timeProvider">The clock for retry delays and timestamps. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Log; nothing is logged when null.</param>
    /// <exception cref="TokenkeeperConfigurationException">The job or options are invalid.</exception>
    public SyncEngine(SyncJob job, HttpClient source, HttpClient destination, ICheckpointStore checkpoints, SyncOptions? options = null, TimeProvider? timeProvider = null, ILogger? logger = null)
        : this(job, source, destination, checkpoints, options, timeProvider, logger, Random.Shared.NextDouble)
    {
    }

    internal SyncEngine(SyncJob job, HttpClient source, HttpClient destination, ICheckpointStore checkpoints, SyncOptions? options, TimeProvider? timeProvider, ILogger? logger, Func<double> jitter)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(checkpoints);
        job.Validate();
        options ??= new SyncOptions();
        options.Validate();
        _job = job;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _reader = new PageReader(job.Source, new SyncHttp(source, job.Source.ConnectionId));
        _writer = new BatchWriter(job.Destination, new SyncHttp(destination, job.Destination.ConnectionId));
        _checkpoints = new JobCheckpoints(checkpoints, job, _time);
        _retrier = new StepRetrier(options, _time, jitter, _logger, job.Id);
    }

    /// <summary>The run's progress now; safe to read from any thread while <see cref="RunAsync"/> runs.</summary>
    public SyncProgress Progress => new(
        _job.Id,
        Volatile.Read(ref _generation),
        Interlocked.Read(ref _recordsRead),
        Interlocked.Read(ref _recordsWritten),
        Interlocked.Read(ref _batches),
        Interlocked.Read(ref _resumedBatch),
        Interlocked.Read(ref _resumedRecords),
        _retrier.Retries,
        Interlocked.Read(ref _total) is var total and >= 0 ? total : null)
    {
        BatchesReplayed = Interlocked.Read(ref _batchesReplayed),
    };

    /// <summary>Whether <see cref="RequestStop"/> was called.</summary>
    public bool StopRequested => _stop.IsCancellationRequested;

    /// <summary>
    /// Asks the run to stop at the next batch boundary: a batch being written is finished (its attempt in progress, not further
    /// retries) and checkpointed,
    /// a page being read is abandoned (reading is harmless), and nothing new is started. <see cref="RunAsync"/> then returns a
    /// <see cref="SyncStatus.Failed"/> result of kind <see cref="SyncFailureKind.Cancelled"/> whose checkpoint a rerun resumes.
    /// To stop without waiting for the batch, cancel <see cref="RunAsync"/>'s token: the batch is abandoned, and the rerun
    /// re-sends it with the same <c>Idempotency-Key</c>. Neither cancels a token request already sent (the token manager
    /// finishes and stores it). Safe to call from any thread, more than once.
    /// </summary>
    public void RequestStop() => _stop.Cancel();

    /// <summary>Runs the job: resumes its checkpointed generation (or starts the first), or with <paramref name="restart"/>
    /// starts a new generation from the beginning. Returns how it ended; a failure keeps the checkpoint for a rerun.</summary>
    /// <exception cref="TokenkeeperConfigurationException">The stored checkpoint does not fit the job (it was changed mid-generation).</exception>
    public async Task<SyncResult> RunAsync(bool restart = false, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        SyncCheckpoint state;
        try
        {
            state = await _checkpoints.BeginAsync(restart, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TokenStoreException { IsTransient: true } or SyncStepException)
        {
            // The store stayed away, or another run of the job moved the checkpoint it was beginning.
            var failure = FailureClassifier.Classify(ex, "read the checkpoint").Failure;
            SyncLog.Failed(_logger, _job.Id, failure.Kind, failure.Message);
            return Result(SyncStatus.Failed, started, failure);
        }

        Volatile.Write(ref _generation, state.Generation);
        Interlocked.Exchange(ref _resumedBatch, state.Batch);
        Interlocked.Exchange(ref _resumedRecords, state.RecordsWritten);
        Interlocked.Exchange(ref _batches, state.Batch);
        Interlocked.Exchange(ref _recordsWritten, state.RecordsWritten);
        Interlocked.Exchange(ref _recordsRead, state.RecordsRead);
        if (state.Completed)
        {
            return Result(SyncStatus.Completed, started, null, alreadyCompleted: true);
        }

        if (state.Batch > 0)
        {
            SyncLog.Resuming(_logger, _job.Id, state.Generation, state.Batch, state.RecordsWritten);
        }
        else
        {
            SyncLog.Starting(_logger, _job.Id, state.Generation);
        }

        try
        {
            await CopyAsync(state, cancellationToken).ConfigureAwait(false);
            SyncLog.Completed(_logger, _job.Id, state.Generation, Interlocked.Read(ref _recordsWritten), Interlocked.Read(ref _batches));
            return Result(SyncStatus.Completed, started, null);
        }
        catch (SyncFailedException failed)
        {
            SyncLog.Failed(_logger, _job.Id, failed.Failure.Kind, failed.Failure.Message);
            var status = failed.Failure.Kind switch
            {
                SyncFailureKind.ReconnectRequired or SyncFailureKind.ConnectionDisabled => SyncStatus.ReconnectRequired,
                SyncFailureKind.Misconfigured => SyncStatus.Misconfigured,
                _ => SyncStatus.Failed,
            };
            return Result(status, started, failed.Failure);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || _stop.IsCancellationRequested)
        {
            var how = cancellationToken.IsCancellationRequested ? "cancelled" : "stopped on request at a batch boundary";
            var failure = new SyncFailure(SyncFailureKind.Cancelled, $"{how}; the checkpoint is kept after batch {Interlocked.Read(ref _batches)}");
            SyncLog.Failed(_logger, _job.Id, failure.Kind, failure.Message);
            return Result(SyncStatus.Failed, started, failure);
        }
    }

    private async Task CopyAsync(SyncCheckpoint state, CancellationToken cancellationToken)
    {
        var position = state.Cursor is { } cursor ? new SourcePosition(cursor, null)
            : state.NextUrl is { } url ? new SourcePosition(null, new Uri(url))
            : SourcePosition.Start;
        var offset = state.Offset;
        var batchSize = _job.Destination.BatchSize;
        var batch = new List<ReadOnlyMemory<byte>>(Math.Min(batchSize, SyncConstants.DefaultBatchSize));
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        while (true)
        {
            var at = position;
            var page = await _retrier.RunAsync($"GET {_reader.UrlOf(at)}", ct => _reader.ReadAsync(at, ct), reading.Token).ConfigureAwait(false);
            if (page.Total is { } total)
            {
                Interlocked.Exchange(ref _total, total);
            }

            if (offset > page.Items.Count)
            {
                throw new SyncFailedException(new SyncFailure(
                    SyncFailureKind.SourceChanged,
                    $"GET {_reader.UrlOf(at)}: the page now has {page.Items.Count} records, but generation {state.Generation} already wrote {offset} of them: the source changed. Start a new generation with --restart"));
            }

            for (var i = offset; i < page.Items.Count; i++)
            {
                batch.Add(page.Items[i]);
                Interlocked.Increment(ref _recordsRead);
                if (batch.Count < batchSize)
                {
                    continue;
                }

                state = i + 1 < page.Items.Count
                    ? await WriteAsync(state, batch, at, i + 1, completed: false, cancellationToken).ConfigureAwait(false)
                    : await WriteAsync(state, batch, page.Next ?? at, page.Next is null ? i + 1 : 0, completed: page.Next is null, cancellationToken).ConfigureAwait(false);
                batch.Clear();
                if (!state.Completed)
                {
                    _stop.Token.ThrowIfCancellationRequested(); // the batch is written and checkpointed: a stop may take effect
                }
            }

            offset = 0;
            if (page.Next is null)
            {
                if (!state.Completed)
                {
                    await WriteAsync(state, batch, at, page.Items.Count, completed: true, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            position = page.Next;
        }
    }

    /// <summary>Writes <paramref name="batch"/> (if it has records) under the next batch number, then commits the checkpoint
    /// that says the next record is <paramref name="offset"/> records into the page at <paramref name="next"/>.</summary>
    private async Task<SyncCheckpoint> WriteAsync(SyncCheckpoint state, List<ReadOnlyMemory<byte>> batch, SourcePosition next, int offset, bool completed, CancellationToken cancellationToken)
    {
        var number = state.Batch;
        var key = "";
        if (batch.Count > 0)
        {
            number++;
            key = IdempotencyKeys.For(_job.Id, state.Lineage, state.Generation, number);
            var body = BatchBody.Build(batch, _job.Destination.BodyField);
            var batchKey = key;
            // After a stop request the attempt in progress finishes, but a failed one is not retried: the rerun sends it again.
            if (await _retrier.RunAsync($"POST batch {number} to {_job.Destination.Url}", ct => _writer.WriteAsync(number, batchKey, body, ct), cancellationToken, giveUp: _stop.Token).ConfigureAwait(false))
            {
                Interlocked.Increment(ref _batchesReplayed);
                SyncLog.BatchReplayed(_logger, _job.Id, number, key);
            }
        }

        var written = state.RecordsWritten + batch.Count;
        var checkpoint = state with
        {
            Batch = number,
            RecordsRead = written,
            RecordsWritten = written,
            Cursor = next.Cursor,
            NextUrl = next.Url?.ToString(),
            Offset = offset,
            Completed = completed,
        };

        // The batch is written: record it even if the run is being cancelled, so a rerun does not need to re-send it.
        await _retrier.RunAsync("commit the checkpoint", ct => _checkpoints.CommitAsync(checkpoint, ct), CancellationToken.None).ConfigureAwait(false);
        Interlocked.Exchange(ref _batches, number);
        Interlocked.Exchange(ref _recordsWritten, written);
        if (batch.Count > 0)
        {
            SyncLog.BatchCommitted(_logger, _job.Id, number, batch.Count, key);
        }

        return checkpoint;
    }

    private SyncResult Result(SyncStatus status, long started, SyncFailure? failure, bool alreadyCompleted = false) => new()
    {
        JobId = _job.Id,
        Status = status,
        Progress = Progress,
        Elapsed = _time.GetElapsedTime(started),
        AlreadyCompleted = alreadyCompleted,
        Failure = failure,
    };
}
