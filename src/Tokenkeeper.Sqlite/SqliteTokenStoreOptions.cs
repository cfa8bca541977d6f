using Tokenkeeper.Storage;

namespace Tokenkeeper.Sqlite;

/// <summary>Where the SQLite store lives and how it encrypts.</summary>
public sealed class SqliteTokenStoreOptions
{
    /// <summary>The database file. Created with its directory when missing.</summary>
    public required string Path { get; set; }

    /// <summary>The secret protector. Null: load the key from <c>TOKENKEEPER_KEY</c> / <c>TOKENKEEPER_KEY_FILE</c> / <see cref="KeyFile"/>
    /// (a missing key is a start-up error: <see cref="TokenkeeperConfigurationException"/>).</summary>
    public ISecretProtector? Protector { get; set; }

    /// <summary>A file holding the base64 key, used when <c>TOKENKEEPER_KEY</c> is not set.</summary>
    public string? KeyFile { get; set; }

    /// <summary>How long an operation keeps retrying, with backoff, while the database is locked by another process or cannot be
    /// opened, before it fails with a transient <see cref="TokenStoreException"/>. Default
    /// <see cref="StorageConstants.DefaultStoreRetryWindow"/> (60 s).</summary>
    public TimeSpan RetryWindow { get; set; } = StorageConstants.DefaultStoreRetryWindow;
}
