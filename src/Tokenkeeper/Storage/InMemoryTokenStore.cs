using Tokenkeeper.Events;

namespace Tokenkeeper.Storage;

/// <summary>
/// A store in this process's memory: for tests and for jobs that need no persistence (client-credentials connections).
/// Same semantics as the persistent stores: versioned compare-and-swap, fenced leases, an outbox.
/// Nothing survives the process, so nothing is encrypted.
/// </summary>
public sealed class InMemoryTokenStore : ITokenStore, ICheckpointStore, IEventOutbox, IApiKeyStore, IAuditStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ConnectionRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StoreLease> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _fences = new(StringComparer.Ordinal);
    private readonly List<ConnectionEvent> _outbox = [];
    private readonly Dictionary<(long Sequence, string Sink), Delivery> _deliveries = [];
    private readonly Dictionary<string, StoredCheckpoint> _checkpoints = new(StringComparer.Ordinal);
    private readonly List<ApiKeyRecord> _keys = [];
    private readonly List<AuditEntry> _audit = [];
    private readonly TimeProvider _time;

    /// <summary>Creates an empty store whose leases lapse on <paramref name="timeProvider"/>'s clock.</summary>
    public InMemoryTokenStore(TimeProvider? timeProvider = null) => _time = timeProvider ?? TimeProvider.System;

    /// <summary>Every event committed so far, oldest first.</summary>
    public IReadOnlyList<ConnectionEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _outbox];
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault(connectionId));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ConnectionRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<ConnectionRecord>>([.. _records.Values.OrderBy(r => r.ConnectionId, StringComparer.Ordinal)]);
        }
    }

    /// <inheritdoc />
    public ValueTask<(ConnectionRecord Record, bool Created)> GetOrCreateAsync(ConnectionRecord record, IReadOnlyList<ConnectionEvent>? events = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (_records.TryGetValue(record.ConnectionId, out var existing))
            {
                return ValueTask.FromResult((existing, false));
            }

            var created = record with { Version = 1 };
            _records[record.ConnectionId] = created;
            _outbox.AddRange(events ?? []);
            return ValueTask.FromResult((created, true));
        }
    }

    /// <inheritdoc />
    public ValueTask<CommitResult> CommitAsync(ConnectionCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var id = commit.Record.ConnectionId;
        lock (_gate)
        {
            if (!_records.TryGetValue(id, out var current))
            {
                return ValueTask.FromResult(CommitResult.Failed(CommitConflict.NotFound));
            }

            if (current.Version != commit.ExpectedVersion)
            {
                return ValueTask.FromResult(CommitResult.Failed(CommitConflict.VersionMismatch));
            }

            if (commit.Lease is { } lease && _fences.GetValueOrDefault(id) != lease.Fence)
            {
                return ValueTask.FromResult(CommitResult.Failed(CommitConflict.LeaseLost));
            }

            var version = current.Version + 1;
            _records[id] = commit.Record with { Version = version };
            _outbox.AddRange(commit.Events ?? []);
            return ValueTask.FromResult(CommitResult.Success(version));
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreLease?> TryAcquireLeaseAsync(string connectionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default, string? takeOverFrom = null)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_leases.TryGetValue(connectionId, out var held) && held.ExpiresAt > now && held.Owner != owner && held.Owner != takeOverFrom)
            {
                return ValueTask.FromResult<StoreLease?>(null);
            }

            var fence = _fences.GetValueOrDefault(connectionId) + 1;
            _fences[connectionId] = fence;
            var lease = new StoreLease(connectionId, owner, fence, now + duration);
            _leases[connectionId] = lease;
            return ValueTask.FromResult<StoreLease?>(lease);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string connectionId, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (!_records.TryGetValue(connectionId, out var current) || current.Version != expectedVersion
                || (_leases.TryGetValue(connectionId, out var held) && held.ExpiresAt > now))
            {
                return ValueTask.FromResult(false);
            }

            _records.Remove(connectionId);
            _leases.Remove(connectionId); // the fence stays: a lease of the old connection can never fence a new one
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreLease?> GetLeaseAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return ValueTask.FromResult(_leases.TryGetValue(connectionId, out var held) && held.ExpiresAt > now ? held : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoreLease?> RenewLeaseAsync(StoreLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_fences.GetValueOrDefault(lease.ConnectionId) != lease.Fence)
            {
                return ValueTask.FromResult<StoreLease?>(null);
            }

            var renewed = lease with { ExpiresAt = now + duration };
            _leases[lease.ConnectionId] = renewed;
            return ValueTask.FromResult<StoreLease?>(renewed);
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseLeaseAsync(StoreLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lock (_gate)
        {
            if (_leases.TryGetValue(lease.ConnectionId, out var held) && held.Fence == lease.Fence)
            {
                _leases.Remove(lease.ConnectionId);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask EnqueueAsync(IReadOnlyList<ConnectionEvent> events, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _outbox.AddRange(events);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(string sink, DateTimeOffset now, int max, TimeSpan claimFor, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var claimed = new List<PendingDelivery>();
            for (var i = 0; i < _outbox.Count && claimed.Count < max; i++)
            {
                var key = ((long)i + 1, sink);
                var delivery = _deliveries.GetValueOrDefault(key) ?? new Delivery();
                if (delivery.DeliveredAt is not null || delivery.DeadLetteredAt is not null || delivery.NextAttemptAt > now)
                {
                    continue;
                }

                delivery = delivery with { Attempts = delivery.Attempts + 1, NextAttemptAt = now + claimFor };
                _deliveries[key] = delivery;
                claimed.Add(new PendingDelivery(key.Item1, sink, _outbox[i], delivery.Attempts));
            }

            return ValueTask.FromResult<IReadOnlyList<PendingDelivery>>(claimed);
        }
    }

    /// <inheritdoc />
    public ValueTask CompleteDeliveryAsync(long sequence, string sink, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var delivery = _deliveries.GetValueOrDefault((sequence, sink)) ?? new Delivery();
            _deliveries[(sequence, sink)] = delivery with { DeliveredAt = at, LastError = null };
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask FailDeliveryAsync(long sequence, string sink, string error, DateTimeOffset? retryAt, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var delivery = _deliveries.GetValueOrDefault((sequence, sink)) ?? new Delivery();
            _deliveries[(sequence, sink)] = retryAt is { } retry
                ? delivery with { NextAttemptAt = retry, LastError = error }
                : delivery with { DeadLetteredAt = at, LastError = error };
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<OutboxEntry>> ReadAsync(string? connectionId = null, int max = 1000, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var entries = _outbox
                .Select((e, i) => (Sequence: (long)i + 1, Event: e))
                .Where(x => connectionId is null || x.Event.ConnectionId == connectionId)
                .TakeLast(max)
                .Select(x => new OutboxEntry(x.Sequence, x.Event, [.. _deliveries.Where(d => d.Key.Sequence == x.Sequence).Select(d => new DeliveryState(d.Key.Sink, d.Value.Attempts, d.Value.DeliveredAt, d.Value.DeadLetteredAt, d.Value.LastError))]))
                .ToList();
            return ValueTask.FromResult<IReadOnlyList<OutboxEntry>>(entries);
        }
    }

    /// <inheritdoc />
    public ValueTask<StoredCheckpoint?> GetCheckpointAsync(string jobId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_checkpoints.GetValueOrDefault(jobId));
        }
    }

    /// <inheritdoc />
    public ValueTask<long?> CommitCheckpointAsync(string jobId, string payload, long expectedVersion, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var current = _checkpoints.GetValueOrDefault(jobId)?.Version ?? 0;
            if (current != expectedVersion)
            {
                return ValueTask.FromResult<long?>(null);
            }

            _checkpoints[jobId] = new StoredCheckpoint(jobId, current + 1, payload, _time.GetUtcNow());
            return ValueTask.FromResult<long?>(current + 1);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> AddKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_gate)
        {
            if (_keys.Any(k => k.Name == key.Name || k.Hash == key.Hash))
            {
                return ValueTask.FromResult(false);
            }

            _keys.Add(key with { RevokedAt = null });
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<ApiKeyRecord?> FindKeyAsync(string hash, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_keys.FirstOrDefault(k => k.Hash == hash));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<ApiKeyRecord>>([.. _keys]);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RevokeKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var index = _keys.FindIndex(k => k.Name == name && k.RevokedAt is null);
            if (index < 0)
            {
                return ValueTask.FromResult(false);
            }

            _keys[index] = _keys[index] with { RevokedAt = at };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask AppendAuditAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        lock (_gate)
        {
            _audit.AddRange(entries);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            var matching = _audit.Where(e => (query.ConnectionId is null || e.ConnectionId == query.ConnectionId) && (query.KeyName is null || e.KeyName == query.KeyName) && (query.Since is null || e.At >= query.Since)).ToList();
            return ValueTask.FromResult<IReadOnlyList<AuditEntry>>([.. matching.Skip(Math.Max(0, matching.Count - query.Max))]);
        }
    }

    /// <inheritdoc />
    public ValueTask<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_audit.RemoveAll(e => e.At < before));
        }
    }

    private sealed record Delivery(int Attempts = 0, DateTimeOffset NextAttemptAt = default, DateTimeOffset? DeliveredAt = null, DateTimeOffset? DeadLetteredAt = null, string? LastError = null);
}
