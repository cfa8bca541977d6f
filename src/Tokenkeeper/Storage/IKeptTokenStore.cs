namespace Tokenkeeper.Storage;

/// <summary>
/// Where a persistent store keeps <see cref="KeptTokens"/> while it cannot take them into a record: somewhere that survives the
/// process and does not depend on the store being writable (the SQLite store: an encrypted file per connection beside the
/// database, same key, same associated-data rules). Implemented by stores whose records outlive the process; the in-memory
/// store does not need it.
/// </summary>
public interface IKeptTokenStore
{
    /// <summary>Writes <paramref name="kept"/>, replacing what is kept for the connection, so it survives this process. Tokens are
    /// encrypted.</summary>
    /// <param name="kept">The tokens.</param>
    /// <param name="durable">Also flush them to the disk before returning, so they survive an operating-system crash too. False is
    /// enough for tokens written just ahead of a commit that normally removes them again within milliseconds.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    ValueTask SaveKeptAsync(KeptTokens kept, bool durable = true, CancellationToken cancellationToken = default);

    /// <summary>What is kept for a connection, or null.</summary>
    /// <exception cref="SecretProtectionException">The kept tokens cannot be decrypted (another key).</exception>
    ValueTask<KeptTokens?> GetKeptAsync(string connectionId, CancellationToken cancellationToken = default);

    /// <summary>Forgets what is kept for a connection, if it is what was kept when the store was at
    /// <paramref name="spentGeneration"/> (newer kept tokens stay).</summary>
    ValueTask RemoveKeptAsync(string connectionId, int spentGeneration, CancellationToken cancellationToken = default);
}
