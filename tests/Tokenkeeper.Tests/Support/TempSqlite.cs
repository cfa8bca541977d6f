using System.Security.Cryptography;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Tests.Support;

/// <summary>A real SQLite store (encrypted, with kept tokens beside it) in a temporary folder, deleted when disposed.</summary>
internal sealed class TempSqlite : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-sqlite-").FullName;
    private readonly AesGcmSecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly List<SqliteTokenStore> _opened = [];

    /// <summary>Opens the store on <paramref name="time"/> (again, as another process would).</summary>
    public SqliteTokenStore Open(TimeProvider time)
    {
        var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(_directory, "store.db"), Protector = _protector }, time);
        _opened.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        _protector.Dispose();
    }
}
