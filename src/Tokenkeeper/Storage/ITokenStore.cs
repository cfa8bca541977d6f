namespace Tokenkeeper.Storage;

/// <summary>
/// The single source of truth for connections (DESIGN.md contract 1): versioned records changed only by compare-and-swap,
/// and leases that let one instance at a time refresh a connection. Implementations: <see cref="InMemoryTokenStore"/>,
/// the SQLite store (Tokenkeeper.Sqlite). Persistent stores encrypt every secret field (contract 10).
/// <para>For store implementers, not for jobs: the records it reads and writes carry the connection's secrets (its refresh
/// token and client secret) in clear. A job asks <see cref="Refresh.TokenManager"/> for an access token and never holds a
/// refresh token.</para>
/// </summary>
public interface ITokenStore
{
    /// <summary>Reads a connection, or null when the store has none by that id.</summary>
    ValueTask<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken = default);

    /// <summary>Reads every connection, ordered by id.</summary>
    ValueTask<IReadOnlyList<ConnectionRecord>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Creates the connection at version 1 unless it exists. Returns the stored record and whether it was created.</summary>
    ValueTask<(ConnectionRecord Record, bool Created)> GetOrCreateAsync(ConnectionRecord record, IReadOnlyList<Events.ConnectionEvent>? events = null, CancellationToken cancellationToken = default);

    /// <summary>Applies a change if the record is still at <see cref="ConnectionCommit.ExpectedVersion"/> and, when a lease is
    /// given, no other instance has taken the lease since. Enqueues the commit's events in the same transaction.</summary>
    ValueTask<CommitResult> CommitAsync(ConnectionCommit commit, CancellationToken cancellationToken = default);

    /// <summary>Removes the connection, with its secrets, if it is still at <paramref name="expectedVersion"/> and nobody holds its
    /// lease (a refresh in flight finishes first). Returns whether it was removed. Its events stay in the outbox (they hold no
    /// secret), and a later connection of the same id starts over at version 1.</summary>
    ValueTask<bool> DeleteAsync(string connectionId, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Takes the connection's refresh lease if it is free, lapsed, already held by <paramref name="owner"/>, or held by
    /// <paramref name="takeOverFrom"/> (a holder known to be dead). Returns null while another owner holds it.</summary>
    ValueTask<StoreLease?> TryAcquireLeaseAsync(string connectionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default, string? takeOverFrom = null);

    /// <summary>The connection's lease while someone holds it (not lapsed), else null.</summary>
    ValueTask<StoreLease?> GetLeaseAsync(string connectionId, CancellationToken cancellationToken = default);

    /// <summary>Extends a lease still held. Returns the renewed lease, or null if it was lost.</summary>
    ValueTask<StoreLease?> RenewLeaseAsync(StoreLease lease, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Gives a lease back (a lease already lost is left alone).</summary>
    ValueTask ReleaseLeaseAsync(StoreLease lease, CancellationToken cancellationToken = default);
}
