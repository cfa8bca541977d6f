using Tokenkeeper.Refresh;

namespace Tokenkeeper.Sync;

/// <summary>A job file, read and checked (see docs/job-file.md): the store, the connections and the job.</summary>
public sealed record JobFile
{
    /// <summary>Where the file was read from (for messages).</summary>
    public required string Path { get; init; }

    /// <summary>The SQLite store file, absolute (relative paths in the file are relative to the file's directory).</summary>
    public required string StorePath { get; init; }

    /// <summary>A file holding the store's encryption key, absolute; null: <c>TOKENKEEPER_KEY</c> / <c>TOKENKEEPER_KEY_FILE</c>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>How long one token request may take before it is given up as lost (<c>tokenTimeout</c>). Null: the default,
    /// <see cref="Protocol.TokenEndpointConstants.DefaultTimeout"/>.</summary>
    public TimeSpan? TokenTimeout { get; init; }

    /// <summary>How long a store operation keeps retrying while the store is busy or unreachable (<c>storeRetryWindow</c>).
    /// Null: the default, <see cref="Storage.StorageConstants.DefaultStoreRetryWindow"/>.</summary>
    public TimeSpan? StoreRetryWindow { get; init; }

    /// <summary>The connections the file declares, registered in the store before the job runs. A refresh token here only bootstraps a
    /// connection the store does not know yet (or whose grant is dead).</summary>
    public required IReadOnlyList<ConnectionDefinition> Connections { get; init; }

    /// <summary>For each connection with a bootstrap refresh token, where it came from (an environment variable or a JSON
    /// path), so a message can say what to change to re-authorise it.</summary>
    public IReadOnlyDictionary<string, string> RefreshTokenOrigins { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>For each connection with a client secret, where it came from (<c>${env:NAME}</c> and the key naming it, or the
    /// key's path), so a message about a rejected client can say what to correct.</summary>
    public IReadOnlyDictionary<string, string> ClientSecretOrigins { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Connections the job names that the file does not declare: the store must hold them (added with
    /// <c>tokenkeeper connections add</c>). Each with the message for when it does not (the JSON path that names it).</summary>
    public IReadOnlyDictionary<string, string> StoredConnections { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The job.</summary>
    public required SyncJob Job { get; init; }
}
