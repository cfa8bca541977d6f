
namespace Tokenkeeper;

/// <summary>
/// The token endpoint could not give a token right now (network, 5xx, rate limit, malformed answers, or the connection is
/// cooling down after repeated failures) and no still-valid token was left to serve. Retrying later can succeed.
/// </summary>
public sealed class TokenEndpointUnavailableException : TokenAcquisitionException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="connectionId">The connection.</param>
    /// <param name="message">What happened, for people.</param>
    /// <param name="failure">The token endpoint's failure, when one caused this.</param>
    /// <param name="retryNotBefore">The earliest next attempt, if known.</param>
    /// <param name="innerException">What was thrown, if anything.</param>
    /// <param name="cause">Whose problem it is, when there is no <paramref name="failure"/> to tell (a lease that timed out is
    /// <see cref="FailureCause.Infrastructure"/>; a cooldown is the cause of the failures behind it).</param>
    public TokenEndpointUnavailableException(string connectionId, string message, TokenEndpointFailure? failure, DateTimeOffset? retryNotBefore = null, Exception? innerException = null, FailureCause? cause = null)
        : base(connectionId, message, failure, innerException, cause)
    {
        RetryNotBefore = retryNotBefore;
    }

    /// <summary>The earliest time a new attempt will be made, when the connection is cooling down or rate limited.</summary>
    public DateTimeOffset? RetryNotBefore { get; }
}
