namespace Tokenkeeper.Storage;

/// <summary>A store could not be read or written: an unreadable record, a file that is not a store. Nothing was changed.</summary>
public sealed class TokenStoreException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    public TokenStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
