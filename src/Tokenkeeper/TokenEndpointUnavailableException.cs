
namespace Tokenkeeper;

/// <summary>
/// The token endpoint could not give a token right now (network, 5xx, rate limit, malformed answers, or the connection is
/// cooling down after repeated failures) and no still-valid token was left to serve. Retrying later can succeed.
/// </summary>
public sealed class TokenEndpointUnavailableException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    public TokenEndpointUnavailableException(string connectionId, string message, TokenEndpointFailure? failure, DateTimeOffset? retryNotBefore = null, Exception? innerException = null)
        : base(connectionId, message, failure, innerException)
    {
        RetryNotBefore = retryNotBefore;
    }

    /// <summary>The earliest time a new attempt will be made, when the connection is cooling down or rate limited.</summary>
    public DateTimeOffset? RetryNotBefore { get; }
}
