using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Sqlite;

/// <summary>
/// The embedded default store: one SQLite file in WAL mode, safe for several processes on one machine. Records change only by
/// compare-and-swap on their version; refresh leases live in the connection's row (owner, fencing number, expiry); events are
/// written to an outbox table in the same transaction as the change that caused them. Every secret field is encrypted with
/// AES-256-GCM before it reaches the file (DESIGN.md contract 10).
/// </summary>
public sealed partial class SqliteTokenStore : ITokenStore, IDisposable
{
    private readonly string _connectionString;
    private readonly ISecretProtector _protector;
    private readonly TimeProvider _time;
    private readonly bool _ownsProtector;
    private readonly SqliteRetry _retry;

    /// <summary>Opens (creating and migrating when needed) the store described by <paramref name="options"/>.</summary>
    /// <exception cref="TokenkeeperConfigurationException">No encryption key, the path is a URL, or the file is not a Tokenkeeper store.</exception>
    public SqliteTokenStore(SqliteTokenStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        StoreAddress.EnsureFilePath(options.Path, "The store");
        _ownsProtector = options.Protector is null;
        _protector = options.Protector ?? EncryptionKeys.Load(options.KeyFile);
        _time = timeProvider ?? TimeProvider.System;
        Path = System.IO.Path.GetFullPath(options.Path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        CreateOwnerOnly(Path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = Math.Max(1, (int)StorageConstants.SqliteBusyTimeout.TotalSeconds),
        }.ToString();
        _retry = new SqliteRetry(options.RetryWindow, _time, Path);
        SchemaVersion = new SqliteMigrator(_connectionString, Path, _retry, _time).Migrate();
    }

    /// <summary>Creates a new store file readable and writable by its owner only (0600): it holds encrypted tokens, and SQLite
    /// gives its <c>-wal</c> and <c>-shm</c> files the database file's permissions. An existing file is left as it is; an empty
    /// file is an empty SQLite database.</summary>
    private static void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: theirs is the store.
        }
    }

    /// <summary>The database file's full path.</summary>
    public string Path { get; }

    /// <summary>The schema version after migration.</summary>
    public int SchemaVersion { get; }

    /// <inheritdoc />
    public async ValueTask<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync<ConnectionRecord?>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT version, record FROM connections WHERE id = $id";
            command.Parameters.AddWithValue("$id", connectionId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(connectionId, reader.GetInt64(0), reader.GetString(1)) : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ConnectionRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        return await WithConnectionAsync<IReadOnlyList<ConnectionRecord>>(async (connection, cancellationToken) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, version, record FROM connections ORDER BY id";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var records = new List<ConnectionRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                records.Add(Read(reader.GetString(0), reader.GetInt64(1), reader.GetString(2)));
            }

            return records;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<(ConnectionRecord Record, bool Created)> GetOrCreateAsync(ConnectionRecord record, IReadOnlyList<ConnectionEvent>? events = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return await WithConnectionAsync<(ConnectionRecord Record, bool Created)>(async (connection, cancellationToken) =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = "SELECT version, record FROM connections WHERE id = $id";
                select.Parameters.AddWithValue("$id", record.ConnectionId);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return (Read(record.ConnectionId, reader.GetInt64(0), reader.GetString(1)), false);
                }
            }

            var created = record with { Version = 1 };
            await using (var insert = connection.CreateCommand())
            {
                insert.CommandText = "INSERT INTO connections (id, version, record, state, updated_at) VALUES ($id, 1, $record, $state, $now)";
                insert.Parameters.AddWithValue("$id", record.ConnectionId);
                insert.Parameters.AddWithValue("$record", ConnectionRecordSerializer.Serialize(created, _protector));
                insert.Parameters.AddWithValue("$state", created.Status.State.ToString());
                insert.Parameters.AddWithValue("$now", Timestamp(_time.GetUtcNow()));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await EnqueueAsync(connection, events, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (created, true);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string connectionId, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        return await WithConnectionAsync(async (connection, cancellationToken) =>
        {
            await using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM connections WHERE id = $id AND version = $expected AND (lease_owner IS NULL OR lease_expires_at IS NULL OR lease_expires_at <= $now)";
            delete.Parameters.AddWithValue("$id", connectionId);
            delete.Parameters.AddWithValue("$expected", expectedVersion);
            delete.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<CommitResult> CommitAsync(ConnectionCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var id = commit.Record.ConnectionId;
        return await WithConnectionAsync<CommitResult>(async (connection, cancellationToken) =>
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            long version;
            long fence;
            await using (var select = connection.CreateCommand())
            {
                select.CommandText = "SELECT version, lease_fence FROM connections WHERE id = $id";
                select.Parameters.AddWithValue("$id", id);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return CommitResult.Failed(CommitConflict.NotFound);
                }

                version = reader.GetInt64(0);
                fence = reader.GetInt64(1);
            }

            if (version != commit.ExpectedVersion)
            {
                return CommitResult.Failed(CommitConflict.VersionMismatch);
            }

            if (commit.Lease is { } lease && lease.Fence != fence)
            {
                return CommitResult.Failed(CommitConflict.LeaseLost);
            }

            var next = version + 1;
            await using (var update = connection.CreateCommand())
            {
                update.CommandText = "UPDATE connections SET version = $next, record = $record, state = $state, updated_at = $now WHERE id = $id AND version = $expected";
                update.Parameters.AddWithValue("$id", id);
                update.Parameters.AddWithValue("$next", next);
                update.Parameters.AddWithValue("$expected", version);
                update.Parameters.AddWithValue("$record", ConnectionRecordSerializer.Serialize(commit.Record, _protector));
                update.Parameters.AddWithValue("$state", commit.Record.Status.State.ToString());
                update.Parameters.AddWithValue("$now", Timestamp(_time.GetUtcNow()));
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await EnqueueAsync(connection, commit.Events, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return CommitResult.Success(next);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsProtector && _protector is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }

    /// <summary>Runs <paramref name="work"/> on an open connection, retried as a whole while the database is busy or unavailable
    /// (see <see cref="SqliteRetry"/>).</summary>
    internal Task<T> WithConnectionAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        _retry.RunAsync(
            async token =>
            {
                await using var connection = await OpenAsync(token).ConfigureAwait(false);
                return await work(connection, token).ConfigureAwait(false);
            },
            cancellationToken);

    private async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>How the store writes a time into a text column: round-trip ISO 8601, invariant culture.</summary>
    internal static string Timestamp(DateTimeOffset value) => value.ToString("O", CultureInfo.InvariantCulture);

    private ConnectionRecord Read(string connectionId, long version, string json)
    {
        try
        {
            return ConnectionRecordSerializer.Deserialize(json, version, _protector);
        }
        catch (JsonException ex)
        {
            throw new TokenStoreException($"The stored record of connection '{connectionId}' in {Path} is unreadable: {ex.Message}", ex);
        }
    }

    private async Task EnqueueAsync(SqliteConnection connection, IReadOnlyList<ConnectionEvent>? events, CancellationToken cancellationToken)
    {
        if (events is null || events.Count == 0)
        {
            return;
        }

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO outbox (id, connection_id, type, occurred_at, payload) VALUES ($id, $connection, $type, $at, $payload)";
        var id = insert.Parameters.Add("$id", SqliteType.Text);
        var connectionId = insert.Parameters.Add("$connection", SqliteType.Text);
        var type = insert.Parameters.Add("$type", SqliteType.Text);
        var at = insert.Parameters.Add("$at", SqliteType.Text);
        var payload = insert.Parameters.Add("$payload", SqliteType.Text);
        foreach (var item in events)
        {
            id.Value = item.Id.ToString();
            connectionId.Value = item.ConnectionId;
            type.Value = item.Type;
            at.Value = Timestamp(item.OccurredAt);
            payload.Value = ConnectionRecordSerializer.SerializeEvent(item);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
