using Microsoft.Data.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

/// <summary>
/// Opens a store's file and brings it to the current schema (<see cref="SqliteSchema"/>): switches it to WAL mode, creates the
/// migrations table and applies every numbered migration not yet recorded there, all in one write transaction; refuses a file
/// that is not a SQLite database or whose schema is newer than this version of Tokenkeeper understands.
/// </summary>
internal sealed class SqliteMigrator(string connectionString, string path, SqliteRetry retry, TimeProvider time)
{
    /// <summary>Brings the schema up to date and returns its version. A store already up to date is only read (another process
    /// holding a write lock does not delay the start); a migration waits for the write lock within the retry window, like any
    /// other write.</summary>
    /// <exception cref="TokenkeeperConfigurationException">The file is not a Tokenkeeper store, or its schema is newer than this
    /// version understands.</exception>
    public int Migrate()
    {
        try
        {
            // Synchronous (the store's constructor calls it), so the retries' waits block; the store's clock still measures the window.
            return retry.RunAsync(
                    _ => Task.FromResult(CurrentSchemaVersion() is { } current && current == SqliteSchema.Migrations[^1].Version ? current : MigrateOnce()),
                    CancellationToken.None)
                .GetAwaiter().GetResult();
        }
        catch (TokenStoreException ex) when (ex.InnerException is SqliteException { SqliteErrorCode: 26 or 11 } sqlite)
        {
            throw new TokenkeeperConfigurationException($"{path} is not a Tokenkeeper store (SQLite says: {sqlite.Message}). Point the store at another file.", ex);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 26 or 11)
        {
            throw new TokenkeeperConfigurationException($"{path} is not a Tokenkeeper store (SQLite says: {ex.Message}). Point the store at another file.", ex);
        }
    }

    /// <summary>The schema version a store in WAL mode already has, read without a write lock; null when it needs setting up.</summary>
    private int? CurrentSchemaVersion()
    {
        if (!File.Exists(path))
        {
            return null;
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        if (command.ExecuteScalar() as string != "wal")
        {
            return null;
        }

        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'";
        if (command.ExecuteScalar() is null)
        {
            return null;
        }

        command.CommandText = "SELECT MAX(version) FROM schema_migrations";
        return command.ExecuteScalar() is long version ? (int)version : null;
    }

    private int MigrateOnce()
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }

        using var transaction = connection.BeginTransaction();
        using (var bootstrap = connection.CreateCommand())
        {
            bootstrap.CommandText = SqliteSchema.Bootstrap;
            bootstrap.ExecuteNonQuery();
        }

        var applied = new HashSet<int>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT version FROM schema_migrations";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        var latest = SqliteSchema.Migrations[^1].Version;
        if (applied.Count > 0 && applied.Max() > latest)
        {
            throw new TokenkeeperConfigurationException($"The store {path} has schema version {applied.Max()}, newer than this Tokenkeeper understands ({latest}). Upgrade Tokenkeeper.");
        }

        foreach (var (version, description, sql) in SqliteSchema.Migrations)
        {
            if (applied.Contains(version))
            {
                continue;
            }

            using var migrate = connection.CreateCommand();
            migrate.CommandText = sql + "; INSERT INTO schema_migrations (version, description, applied_at) VALUES ($v, $d, $at);";
            migrate.Parameters.AddWithValue("$v", version);
            migrate.Parameters.AddWithValue("$d", description);
            migrate.Parameters.AddWithValue("$at", SqliteTokenStore.Timestamp(time.GetUtcNow()));
            migrate.ExecuteNonQuery();
        }

        transaction.Commit();
        return latest;
    }
}
