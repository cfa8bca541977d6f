using System.Security.Cryptography;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Tests.Support;

/// <summary>A real SQLite store (encrypted, with kept tokens beside it) in a temporary folder, deleted when disposed.</summary>
internal sealed class TempSqlite(byte[]? key = null) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-sqlite-").FullName;
    private readonly AesGcmSecretProtector _protector = new(key ?? RandomNumberGenerator.GetBytes(32));
    private readonly List<SqliteTokenStore> _opened = [];

    /// <summary>The store file (it need not exist yet; a test may copy an older store here before opening it).</summary>
    public string StorePath => Path.Combine(_directory, "store.db");

    /// <summary>Opens the store on <paramref name="time"/> (again, as another process would).</summary>
    public SqliteTokenStore Open(TimeProvider time)
    {
        var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = _protector }, time);
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
