namespace Tokenkeeper;

/// <summary>
/// The store could not be read or written while getting a token (a locked or failing database). If a refresh had already
/// succeeded, its tokens are kept in memory and committed before any further refresh is sent, so nothing the provider issued
/// is lost. Retrying later can succeed.
/// </summary>
public sealed class TokenStoreUnavailableException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    public TokenStoreUnavailableException(string connectionId, string message, Exception? innerException = null)
        : base(connectionId, message, null, innerException, FailureCause.Infrastructure)
    {
    }
}
