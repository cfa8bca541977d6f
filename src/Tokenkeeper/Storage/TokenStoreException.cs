namespace Tokenkeeper.Storage;

/// <summary>A store could not be read or written. Nothing was changed by the failed operation.</summary>
public sealed class TokenStoreException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, for a person.</param>
    /// <param name="innerException">The cause.</param>
    /// <param name="isTransient">Whether the store was busy, locked or unreachable (retried for the store's retry window
    /// before this was thrown), rather than unusable (an unreadable record, a file that is not a store).</param>
    public TokenStoreException(string message, Exception? innerException = null, bool isTransient = false)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>Whether the store was busy, locked or unreachable for its whole retry window (it may work again later), rather
    /// than unusable.</summary>
    public bool IsTransient { get; }
}
