using Tokenkeeper.Events;

namespace Tokenkeeper.Storage;

/// <summary>One atomic change: the new record, the version it replaces, the lease it was made under, and the events it
/// emits into the outbox (written in the same transaction, so events exist only for committed changes).</summary>
/// <param name="Record">The new record. Its <see cref="ConnectionRecord.Version"/> is ignored; the store assigns one.</param>
/// <param name="ExpectedVersion">The version read before the change.</param>
/// <param name="Lease">The lease held, if the change was made under one.</param>
/// <param name="Events">Events to enqueue.</param>
public sealed record ConnectionCommit(ConnectionRecord Record, long ExpectedVersion, StoreLease? Lease = null, IReadOnlyList<ConnectionEvent>? Events = null);
