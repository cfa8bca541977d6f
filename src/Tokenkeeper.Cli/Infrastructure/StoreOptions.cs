using System.CommandLine;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>The <c>--store</c> and <c>--key-file</c> options shared by commands that read a store, and how they open it.</summary>
internal sealed class StoreOptions
{
    public Option<string> Store { get; } = new("--store") { Description = "The SQLite store file.", Required = true };

    public Option<string?> KeyFile { get; } = new("--key-file") { Description = "A file holding the base64 encryption key (default: TOKENKEEPER_KEY, then TOKENKEEPER_KEY_FILE)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Store);
        command.Options.Add(KeyFile);
    }

    /// <summary>Opens an existing store: a mistyped path is an error, not a new empty store.</summary>
    public SqliteTokenStore OpenExisting(ParseResult parse, TimeProvider? time = null)
    {
        var path = parse.GetValue(Store)!;
        StoreAddress.EnsureFilePath(path, "--store");
        if (!File.Exists(path))
        {
            throw new TokenkeeperConfigurationException($"No store at '{path}'.");
        }

        return new SqliteTokenStore(new SqliteTokenStoreOptions { Path = path, KeyFile = parse.GetValue(KeyFile) }, time);
    }

    /// <summary>Opens the store, creating it when the file does not exist yet (owner-only, as every new store).</summary>
    public SqliteTokenStore OpenOrCreate(ParseResult parse, TimeProvider? time = null)
    {
        var path = parse.GetValue(Store)!;
        StoreAddress.EnsureFilePath(path, "--store");
        return new SqliteTokenStore(new SqliteTokenStoreOptions { Path = path, KeyFile = parse.GetValue(KeyFile) }, time);
    }

    /// <summary>A reason a store cannot be read that a person can fix.</summary>
    public static string? Explain(Exception exception) => exception switch
    {
        SecretProtectionException secrets => KeyAdvice.Explain(secrets),
        TokenStoreException or TokenkeeperConfigurationException => exception.Message,
        _ => null,
    };
}
