using System.Globalization;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

// The checkpoint half of SqliteTokenStore: one row per job in checkpoints, changed only by
// compare-and-swap on its version.
// (A plain comment: an XML summary here would be merged into the public type's documentation.)
public sealed partial class SqliteTokenStore : ICheckpointStore
{
    /// <inheritdoc />
    public async ValueTask<StoredCheckpoint?> GetCheckpointAsync(string jobId, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync<StoredCheckpoint?>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT version, payload, updated_at FROM checkpoints WHERE job_id = $job";
            command.Parameters.AddWithValue("$job", jobId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new StoredCheckpoint(jobId, reader.GetInt64(0), reader.GetString(1), DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture))
                : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<long?> CommitCheckpointAsync(string jobId, string payload, long expectedVersion, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync<long?>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = expectedVersion == 0
                ? "INSERT INTO checkpoints (job_id, version, payload, updated_at) VALUES ($job, 1, $payload, $now) ON CONFLICT (job_id) DO NOTHING"
                : "UPDATE checkpoints SET version = version + 1, payload = $payload, updated_at = $now WHERE job_id = $job AND version = $expected";
            command.Parameters.AddWithValue("$job", jobId);
            command.Parameters.AddWithValue("$payload", payload);
            command.Parameters.AddWithValue("$expected", expectedVersion);
            command.Parameters.AddWithValue("$now", Timestamp(_time.GetUtcNow()));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1 ? expectedVersion + 1 : null;
        }, cancellationToken).ConfigureAwait(false);
    }
}
