using Microsoft.Extensions.DependencyInjection;
using Tokenkeeper.Hosting;

namespace Tokenkeeper.Sqlite;

/// <summary>Chooses the SQLite store in <c>AddTokenkeeper()</c>.</summary>
public static class SqliteTokenkeeperBuilderExtensions
{
    /// <summary>Keeps tokens in the SQLite file at <paramref name="path"/>, encrypted with the key from <c>TOKENKEEPER_KEY</c>
    /// (or <c>TOKENKEEPER_KEY_FILE</c>, or <see cref="SqliteTokenStoreOptions.KeyFile"/>).</summary>
    public static TokenkeeperBuilder UseSqliteStore(this TokenkeeperBuilder builder, string path, Action<SqliteTokenStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new SqliteTokenStoreOptions { Path = path };
        configure?.Invoke(options);
        return builder.UseStore(sp => new SqliteTokenStore(options, sp.GetService<TimeProvider>()));
    }
}
