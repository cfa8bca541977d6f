using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

// The token service's audit in SqliteTokenStore: one row per token read in audit (times as Unix milliseconds, so ranges
// compare as numbers), appended in batches.
// (A plain comment: an XML summary here would be merged into the public type's documentation.)
public sealed partial class SqliteTokenStore : IAuditStore
{
    /// <inheritdoc />
    public async ValueTask AppendAuditAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }

        await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var transaction = (Microsoft.Data.Sqlite.SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO audit (at, key_name, connection_id, outcome, fingerprint, client_address) VALUES ($at, $key, $connection, $outcome, $fingerprint, $address)";
            var at = insert.Parameters.Add("$at", Microsoft.Data.Sqlite.SqliteType.Integer);
            var key = insert.Parameters.Add("$key", Microsoft.Data.Sqlite.SqliteType.Text);
            var connectionId = insert.Parameters.Add("$connection", Microsoft.Data.Sqlite.SqliteType.Text);
            var outcome = insert.Parameters.Add("$outcome", Microsoft.Data.Sqlite.SqliteType.Text);
            var fingerprint = insert.Parameters.Add("$fingerprint", Microsoft.Data.Sqlite.SqliteType.Text);
            var address = insert.Parameters.Add("$address", Microsoft.Data.Sqlite.SqliteType.Text);
            foreach (var entry in entries)
            {
                at.Value = entry.At.ToUnixTimeMilliseconds();
                key.Value = entry.KeyName;
                connectionId.Value = entry.ConnectionId;
                outcome.Value = entry.Outcome;
                fingerprint.Value = (object?)entry.Fingerprint ?? DBNull.Value;
                address.Value = (object?)entry.ClientAddress ?? DBNull.Value;
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<AuditEntry>> ReadAuditAsync(AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return await WithConnectionAsync<IReadOnlyList<AuditEntry>>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT at, key_name, connection_id, outcome, fingerprint, client_address FROM (
                  SELECT * FROM audit
                  WHERE ($connection IS NULL OR connection_id = $connection) AND ($key IS NULL OR key_name = $key) AND ($since IS NULL OR at >= $since)
                  ORDER BY seq DESC LIMIT $max)
                ORDER BY seq
                """;
            command.Parameters.AddWithValue("$connection", (object?)query.ConnectionId ?? DBNull.Value);
            command.Parameters.AddWithValue("$key", (object?)query.KeyName ?? DBNull.Value);
            command.Parameters.AddWithValue("$since", (object?)query.Since?.ToUnixTimeMilliseconds() ?? DBNull.Value);
            command.Parameters.AddWithValue("$max", query.Max);
            var entries = new List<AuditEntry>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                entries.Add(new AuditEntry(
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5)));
            }

            return entries;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<int> PruneAuditAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM audit WHERE at < $before";
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }
}
