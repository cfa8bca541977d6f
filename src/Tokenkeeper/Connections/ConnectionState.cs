namespace Tokenkeeper.Connections;

/// <summary>The health of a connection (DESIGN.md contract 9). Persisted with a reason and the time it changed.</summary>
public enum ConnectionState
{
    /// <summary>Registered but never authorised: no token and no refresh token yet.</summary>
    PendingAuthorization,

    /// <summary>Tokens refresh normally.</summary>
    Active,

    /// <summary>Refreshes are failing transiently (network, 5xx, rate limit); a valid access token may still exist and is served.</summary>
    Degraded,

    /// <summary>The grant is gone (revoked, expired, lost to rotation) or the client is rejected: a person must act.
    /// No refresh is attempted until the connection is re-authorised.</summary>
    ReconnectRequired,

    /// <summary>Switched off by an operator: no token is served and no refresh is attempted.</summary>
    Disabled,
}
