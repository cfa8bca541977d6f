namespace Tokenkeeper.Storage;

/// <summary>Every default number of the stores, in one place.</summary>
internal static class StorageConstants
{
    /// <summary>State changes kept per connection: 50.</summary>
    public const int MaxHistory = 50;

    /// <summary>How long a refresh lease lasts before another instance may take it: 60 seconds. Renewed before each attempt.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>How long one SQLite attempt waits for another process's lock before it fails and is retried with backoff
    /// (the wait blocks a thread, so it is kept short): 1 second.</summary>
    public static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long a store operation keeps retrying while the store is busy, locked or unreachable before it fails with a
    /// transient <see cref="TokenStoreException"/>: 60 seconds. Tokens a refresh obtained meanwhile are kept (docs/engine.md).</summary>
    public static readonly TimeSpan DefaultStoreRetryWindow = TimeSpan.FromSeconds(60);

    /// <summary>First wait before retrying a busy or unreachable store: 50 ms, doubling (jittered) up to <see cref="StoreRetryMaxDelay"/>.</summary>
    public static readonly TimeSpan StoreRetryFirstDelay = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest wait between retries of a busy or unreachable store: 2 seconds.</summary>
    public static readonly TimeSpan StoreRetryMaxDelay = TimeSpan.FromSeconds(2);

    /// <summary>Environment variable holding the base64 32-byte encryption key.</summary>
    public const string KeyEnvironmentVariable = "TOKENKEEPER_KEY";

    /// <summary>Environment variable naming a file that holds the base64 key.</summary>
    public const string KeyFileEnvironmentVariable = "TOKENKEEPER_KEY_FILE";

    /// <summary>Key size for AES-256-GCM: 32 bytes.</summary>
    public const int KeySizeBytes = 32;
}
