
namespace Tokenkeeper;

/// <summary>
/// No usable access token could be had for a connection. The request that needed it was not sent
/// (DESIGN.md contract 7). See the derived types for why.
/// </summary>
public class TokenAcquisitionException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="connectionId">The connection.</param>
    /// <param name="message">What happened, for people.</param>
    /// <param name="failure">The token endpoint's failure, when one caused this.</param>
    /// <param name="innerException">What was thrown, if anything.</param>
    /// <param name="cause">Whose problem it is, when no <paramref name="failure"/> tells (a store fault, a lease that timed out, a
    /// configuration error found before sending).</param>
    public TokenAcquisitionException(string connectionId, string message, TokenEndpointFailure? failure = null, Exception? innerException = null, FailureCause? cause = null)
        : base(message, innerException)
    {
        ConnectionId = connectionId;
        Failure = failure;
        _cause = cause;
    }

    /// <summary>Whose problem this is (see <see cref="FailureCause"/>): what was given when the exception was made, else the token
    /// endpoint failure's (<see cref="FailureCauses.Of"/>); null when nothing failed (a connection disabled or not yet authorised).
    /// A store fault or a lease that timed out is <see cref="FailureCause.Infrastructure"/>, never <see cref="FailureCause.Credential"/>.</summary>
    public FailureCause? Cause => _cause ?? (Failure is { } failure ? FailureCauses.Of(failure) : null);

    private readonly FailureCause? _cause;

    /// <summary>The connection.</summary>
    public string ConnectionId { get; }

    /// <summary>The token endpoint's failure, when one caused this.</summary>
    public TokenEndpointFailure? Failure { get; }
}
