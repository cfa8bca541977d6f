namespace Tokenkeeper.Events;

/// <summary>
/// The durable outbox of connection events (DESIGN.md contract 9). The engine writes events in the same transaction as the
/// change that caused them (<see cref="Storage.ConnectionCommit.Events"/>); events not tied to a record change (an auth loop)
/// are enqueued here. Each event is delivered to every sink (a webhook, by name) at least once, with retries, and
/// dead-lettered after a limit. Implemented by the stores.
/// </summary>
public interface IEventOutbox
{
    /// <summary>Enqueues events that do not come with a record change.</summary>
    ValueTask EnqueueAsync(IReadOnlyList<ConnectionEvent> events, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="max"/> events due for delivery to <paramref name="sink"/> (never delivered to it, not
    /// dead-lettered, next attempt due), oldest first, and holds them for <paramref name="claimFor"/> so a concurrent
    /// dispatcher skips them. Each claim counts as an attempt.
    /// </summary>
    ValueTask<IReadOnlyList<PendingDelivery>> ClaimDueAsync(string sink, DateTimeOffset now, int max, TimeSpan claimFor, CancellationToken cancellationToken = default);

    /// <summary>Records a successful delivery.</summary>
    ValueTask CompleteDeliveryAsync(long sequence, string sink, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records a failed delivery: retried at <paramref name="retryAt"/>, or dead-lettered when it is null.</summary>
    ValueTask FailDeliveryAsync(long sequence, string sink, string error, DateTimeOffset? retryAt, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Reads events, newest last (all connections when <paramref name="connectionId"/> is null), with their delivery state.</summary>
    ValueTask<IReadOnlyList<OutboxEntry>> ReadAsync(string? connectionId = null, int max = 1000, CancellationToken cancellationToken = default);
}
