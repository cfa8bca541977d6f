using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

// The lease half of SqliteTokenStore: a refresh lease lives in its connection's row (lease_owner,
// lease_fence, lease_expires_at in Unix milliseconds). Acquiring one bumps the fencing number, so a commit made
// under a lease that was since taken over is refused (CommitConflict.LeaseLost).
// (A plain comment: an XML summary here would be merged into the public type's documentation.)
public sealed partial class SqliteTokenStore
{
    /// <inheritdoc />
    public async ValueTask<StoreLease?> TryAcquireLeaseAsync(string connectionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default, string? takeOverFrom = null)
    {
        var now = _time.GetUtcNow();
        var expires = now + duration;
        return await WithConnectionAsync<StoreLease?>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE connections
                SET lease_owner = $owner, lease_fence = lease_fence + 1, lease_expires_at = $expires
                WHERE id = $id AND (lease_owner IS NULL OR lease_expires_at <= $now OR lease_owner = $owner OR lease_owner = $dead)
                RETURNING lease_fence
                """;
            command.Parameters.AddWithValue("$id", connectionId);
            command.Parameters.AddWithValue("$owner", owner);
            command.Parameters.AddWithValue("$dead", (object?)takeOverFrom ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
            var fence = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            return fence is long value ? new StoreLease(connectionId, owner, value, expires) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<StoreLease?> GetLeaseAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        return await WithConnectionAsync<StoreLease?>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT lease_owner, lease_fence, lease_expires_at FROM connections WHERE id = $id AND lease_owner IS NOT NULL AND lease_expires_at > $now";
            command.Parameters.AddWithValue("$id", connectionId);
            command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new StoreLease(connectionId, reader.GetString(0), reader.GetInt64(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)))
                : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<StoreLease?> RenewLeaseAsync(StoreLease lease, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var expires = _time.GetUtcNow() + duration;
        return await WithConnectionAsync<StoreLease?>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE connections SET lease_owner = $owner, lease_expires_at = $expires WHERE id = $id AND lease_fence = $fence";
            command.Parameters.AddWithValue("$id", lease.ConnectionId);
            command.Parameters.AddWithValue("$owner", lease.Owner);
            command.Parameters.AddWithValue("$fence", lease.Fence);
            command.Parameters.AddWithValue("$expires", expires.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? lease with { ExpiresAt = expires } : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask ReleaseLeaseAsync(StoreLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE connections SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $id AND lease_fence = $fence";
            command.Parameters.AddWithValue("$id", lease.ConnectionId);
            command.Parameters.AddWithValue("$fence", lease.Fence);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }
}
