namespace Tokenkeeper.Connections;

/// <summary>The health of a connection (DESIGN.md contract 9). Persisted with a reason and the time it changed.</summary>
public enum ConnectionState
{
    /// <summary>Registered but never authorised: no token and no refresh token yet.</summary>
    PendingAuthorization,

    /// <summary>Tokens refresh normally.</summary>
    Active,

    /// <summary>Refreshes are failing transiently (network, 5xx, rate limit; reason <c>refresh_failing</c>), or the provider
    /// rejected the client or the request (reason <c>invalid_client</c> or <c>configuration_error</c>: a configuration fault, the
    /// grant is fine and a corrected registration makes the connection Active again). A valid access token may still exist and is
    /// served.</summary>
    Degraded,

    /// <summary>The grant is gone (revoked, expired, lost to rotation): a person must consent again.
    /// No refresh is attempted until the connection is re-authorised.</summary>
    ReconnectRequired,

    /// <summary>Switched off by an operator: no token is served and no refresh is attempted.</summary>
    Disabled,
}
