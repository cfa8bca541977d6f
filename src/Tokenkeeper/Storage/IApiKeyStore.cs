namespace Tokenkeeper.Storage;

/// <summary>Where the token service keeps its keys (hashes only), next to the connections they open. Implemented by the stores.</summary>
public interface IApiKeyStore
{
    /// <summary>Adds a key. Returns false when a key of that name exists already (revoked or not: names are never reused).</summary>
    ValueTask<bool> AddKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken = default);

    /// <summary>The key with this hash, revoked or not, or null.</summary>
    ValueTask<ApiKeyRecord?> FindKeyAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>Every key, oldest first.</summary>
    ValueTask<IReadOnlyList<ApiKeyRecord>> ListKeysAsync(CancellationToken cancellationToken = default);

    /// <summary>Revokes the named key at <paramref name="at"/>. Returns false when there is no such key or it was revoked already.</summary>
    ValueTask<bool> RevokeKeyAsync(string name, DateTimeOffset at, CancellationToken cancellationToken = default);
}
