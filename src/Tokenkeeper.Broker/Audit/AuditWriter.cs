using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Audit;

/// <summary>
/// Records token reads off the token path: <see cref="Record"/> only queues; a background loop appends what is queued to the
/// store in one batch at least every <see cref="BrokerConstants.AuditFlushInterval"/>, and once more at shutdown. A crash loses at
/// most that interval of audit (docs/service.md says so). While the store refuses, entries wait in memory (up to
/// <see cref="BrokerConstants.AuditBacklogLimit"/>; beyond it the oldest are dropped, and the log says how many).
/// </summary>
internal sealed class AuditWriter(IAuditStore store, TimeProvider time, ILogger<AuditWriter> logger, AuditRetention retention) : BackgroundService
{
    private DateTimeOffset? _lastPrune;

    private readonly Channel<AuditEntry> _queue = Channel.CreateUnbounded<AuditEntry>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<AuditEntry> _pending = [];
    private readonly SemaphoreSlim _flushing = new(1, 1);

    /// <summary>Queues an entry (never blocks, never fails the request).</summary>
    public void Record(AuditEntry entry) => _queue.Writer.TryWrite(entry);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(BrokerConstants.AuditFlushInterval, time, stoppingToken).ConfigureAwait(false);
                try
                {
                    await FlushAsync(CancellationToken.None).ConfigureAwait(false);
                    await PruneIfDueAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Never let the loop die: the entries stay pending for the next flush.
                    logger.LogError(ex, "The audit flush failed; its entries are kept for the next one");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync flushes what is left.
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _queue.Writer.TryComplete();
        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Appends everything queued so far in one batch; on a store failure keeps it for the next flush. Flushes run one
    /// at a time (the loop, <c>GET /v1/audit</c> and the stop all flush), so nothing is written twice or dropped by another's
    /// success.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_queue.Reader.TryRead(out var entry))
            {
                _pending.Add(entry);
            }

            if (_pending.Count == 0)
            {
                return;
            }

            try
            {
                await store.AppendAuditAsync([.. _pending], cancellationToken).ConfigureAwait(false);
                _pending.Clear();
            }
            catch (Exception ex) when (StoreFaults.Is(ex))
            {
                var dropped = Math.Max(0, _pending.Count - BrokerConstants.AuditBacklogLimit);
                _pending.RemoveRange(0, dropped);
                logger.LogWarning("The audit could not be written ({Problem}); {Pending} entries wait for the store{Dropped}", ex.Message, _pending.Count, dropped > 0 ? $", {dropped} oldest dropped" : "");
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Deletes entries older than the retention, at most once per <see cref="BrokerConstants.AuditPruneInterval"/> (the
    /// first call always). Returns how many were deleted.</summary>
    public async Task<int> PruneIfDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_lastPrune is { } last && now - last < BrokerConstants.AuditPruneInterval)
        {
            return 0;
        }

        _lastPrune = now;
        try
        {
            return await store.PruneAuditAsync(now - retention.Keep, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StoreFaults.Is(ex))
        {
            logger.LogWarning("Old audit entries could not be deleted ({Problem}); the next hour tries again", ex.Message);
            return 0;
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _flushing.Dispose();
        base.Dispose();
    }
}

/// <summary>How long the audit keeps entries.</summary>
/// <param name="Keep">Entries older than this are deleted (hourly).</param>
internal sealed record AuditRetention(TimeSpan Keep);
