
namespace Tokenkeeper;

/// <summary>
/// No usable access token could be had for a connection. The request that needed it was not sent
/// (DESIGN.md contract 7). See the derived types for why.
/// </summary>
public class TokenAcquisitionException : TokenkeeperException
{
    /// <summary>Creates the exception.</summary>
    public TokenAcquisitionException(string connectionId, string message, TokenEndpointFailure? failure = null, Exception? innerException = null)
        : base(message, innerException)
    {
        ConnectionId = connectionId;
        Failure = failure;
    }

    /// <summary>The connection.</summary>
    public string ConnectionId { get; }

    /// <summary>The token endpoint's failure, when one caused this.</summary>
    public TokenEndpointFailure? Failure { get; }
}
