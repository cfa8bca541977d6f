using System.Globalization;
using System.Text.Json;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

// The token service's keys in SqliteTokenStore: one row per key in api_keys, the key's SHA-256 only.
// (A plain comment: an XML summary here would be merged into the public type's documentation.)
public sealed partial class SqliteTokenStore : IApiKeyStore
{
    /// <inheritdoc />
    public async ValueTask<bool> AddKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO api_keys (name, hash, role, connections, created_at) VALUES ($name, $hash, $role, $connections, $at) ON CONFLICT DO NOTHING";
            command.Parameters.AddWithValue("$name", key.Name);
            command.Parameters.AddWithValue("$hash", key.Hash);
            command.Parameters.AddWithValue("$role", key.Role);
            command.Parameters.AddWithValue("$connections", JsonSerializer.Serialize(key.Connections));
            command.Parameters.AddWithValue("$at", Timestamp(key.CreatedAt));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<ApiKeyRecord?> FindKeyAsync(string hash, CancellationToken cancellationToken = default) =>
        (await ReadKeysAsync("WHERE hash = $hash", hash, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken cancellationToken = default) =>
        await ReadKeysAsync("ORDER BY created_at, name", null, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<bool> RevokeKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "UPDATE api_keys SET revoked_at = $at WHERE name = $name AND revoked_at IS NULL";
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$at", Timestamp(at));
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<IReadOnlyList<ApiKeyRecord>> ReadKeysAsync(string clause, string? hash, CancellationToken cancellationToken)
    {
        return await WithConnectionAsync<IReadOnlyList<ApiKeyRecord>>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT name, hash, role, connections, created_at, revoked_at FROM api_keys " + clause;
            if (hash is not null)
            {
                command.Parameters.AddWithValue("$hash", hash);
            }

            var keys = new List<ApiKeyRecord>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add(new ApiKeyRecord(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    JsonSerializer.Deserialize<string[]>(reader.GetString(3)) ?? [],
                    DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture),
                    reader.IsDBNull(5) ? null : DateTimeOffset.Parse(reader.GetString(5), CultureInfo.InvariantCulture)));
            }

            return keys;
        }, cancellationToken).ConfigureAwait(false);
    }
}
