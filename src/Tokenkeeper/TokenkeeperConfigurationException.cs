namespace Tokenkeeper;

/// <summary>Tokenkeeper is configured wrongly: a missing key, an insecure endpoint, an unknown provider, a bad option.</summary>
public sealed class TokenkeeperConfigurationException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    public TokenkeeperConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
