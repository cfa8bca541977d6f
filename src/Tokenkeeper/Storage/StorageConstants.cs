namespace Tokenkeeper.Storage;

/// <summary>Every default number of the stores, in one place.</summary>
public static class StorageConstants
{
    /// <summary>State changes kept per connection: 50.</summary>
    public const int MaxHistory = 50;

    /// <summary>How long a refresh lease lasts before another instance may take it: 60 seconds. Renewed before each attempt.</summary>
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(60);

    /// <summary>SQLite busy timeout: 5 seconds.</summary>
    public static readonly TimeSpan SqliteBusyTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Environment variable holding the base64 32-byte encryption key.</summary>
    public const string KeyEnvironmentVariable = "TOKENKEEPER_KEY";

    /// <summary>Environment variable naming a file that holds the base64 key.</summary>
    public const string KeyFileEnvironmentVariable = "TOKENKEEPER_KEY_FILE";

    /// <summary>Key size for AES-256-GCM: 32 bytes.</summary>
    public const int KeySizeBytes = 32;
}
