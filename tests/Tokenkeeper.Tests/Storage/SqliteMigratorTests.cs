using Microsoft.Extensions.Time.Testing;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Tokenkeeper.Sqlite;

namespace Tokenkeeper.Tests.Storage;

public sealed class SqliteMigratorTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-migrate-").FullName;
    private readonly FakeTimeProvider _clock = new(StoreSamples.Now);
    private readonly string _path;

    public SqliteMigratorTests() => _path = Path.Combine(_directory, "store.db");

    private static int Latest => SqliteSchema.Migrations[^1].Version;

    private static string Stamp => StoreSamples.Now.ToString("O", CultureInfo.InvariantCulture);

    [Fact]
    public void ANewFile_IsPutInWalMode_WithEveryMigrationAppliedAndRecorded()
    {
        var version = Migrator().Migrate();

        Assert.Equal(Latest, version);
        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
        Assert.Equal(SqliteSchema.Migrations.Select(m => (long)m.Version), Column<long>("SELECT version FROM schema_migrations ORDER BY version"));
        Assert.Equal([Stamp], Column<string>("SELECT DISTINCT applied_at FROM schema_migrations"));
        Assert.Equal(["api_keys", "audit", "checkpoints", "connections", "outbox", "outbox_deliveries", "schema_migrations"], Column<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"));
    }

    [Fact]
    public void AStoreAlreadyUpToDate_IsLeftAsItIs()
    {
        Migrator().Migrate();
        _clock.Advance(TimeSpan.FromDays(1));

        var version = Migrator().Migrate();

        Assert.Equal(Latest, version);
        Assert.Equal([Stamp], Column<string>("SELECT DISTINCT applied_at FROM schema_migrations"));
    }

    [Fact]
    public void AStoreAtAnOlderVersion_GetsOnlyTheMigrationsItLacks()
    {
        Execute(SqliteSchema.Bootstrap + SqliteSchema.Migrations[0].Sql + "; INSERT INTO schema_migrations (version, description, applied_at) VALUES (1, 'old', 'then');");

        var version = Migrator().Migrate();

        Assert.Equal(Latest, version);
        Assert.Equal(["then", .. Enumerable.Repeat(Stamp, SqliteSchema.Migrations.Length - 1)], Column<string>("SELECT applied_at FROM schema_migrations ORDER BY version"));
    }

    [Fact]
    public void AStoreWithANewerSchema_IsRefused_NamingBothVersions()
    {
        Migrator().Migrate();
        Execute($"INSERT INTO schema_migrations (version, description, applied_at) VALUES ({Latest + 1}, 'future', 'later');");

        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Migrator().Migrate());

        Assert.Contains($"schema version {Latest + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"({Latest})", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotADatabase_IsAConfigurationError()
    {
        File.WriteAllText(_path, "this is not a database, it is a shopping list: eggs, milk, bread, and more text to fill a page.");

        var error = Assert.Throws<TokenkeeperConfigurationException>(() => Migrator().Migrate());

        Assert.Contains("not a Tokenkeeper store", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private SqliteMigrator Migrator()
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        return new SqliteMigrator(connectionString, _path, new SqliteRetry(TimeSpan.FromSeconds(1), _clock, _path), _clock);
    }

    private object? Scalar(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private List<T> Column<T>(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<T>();
        while (reader.Read())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    private void Execute(string sql)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
