namespace Tokenkeeper.Storage;

/// <summary>A stored secret could not be decrypted: the key is wrong or missing, or the data was altered.</summary>
public sealed class SecretProtectionException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    public SecretProtectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
