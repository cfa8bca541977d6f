namespace Tokenkeeper;

/// <summary>The base of every exception Tokenkeeper throws on purpose.</summary>
public abstract class TokenkeeperException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected TokenkeeperException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
