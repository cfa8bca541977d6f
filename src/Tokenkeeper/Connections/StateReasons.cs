namespace Tokenkeeper.Connections;

/// <summary>The machine-readable reasons recorded with a <see cref="ConnectionState"/> change.</summary>
public static class StateReasons
{
    /// <summary>The connection was registered without tokens.</summary>
    public const string NotAuthorized = "not_authorized";

    /// <summary>The connection was authorised or re-authorised with fresh tokens.</summary>
    public const string Authorized = "authorized";

    /// <summary>The registration changed (a corrected client secret, scope or endpoint) after a client or configuration error.</summary>
    public const string Reconfigured = "reconfigured";

    /// <summary>A refresh succeeded.</summary>
    public const string Refreshed = "refreshed";

    /// <summary>Refreshes are failing transiently.</summary>
    public const string RefreshFailing = "refresh_failing";

    /// <summary>The provider said <c>invalid_grant</c> and the refresh token had passed its absolute or idle deadline.</summary>
    public const string RefreshTokenExpired = "refresh_token_expired";

    /// <summary>The provider said <c>invalid_grant</c> for the stored refresh token: the grant was revoked.</summary>
    public const string Revoked = "revoked";

    /// <summary>A refresh's response was lost after the provider rotated the refresh token, and the old one was then refused.</summary>
    public const string RotationLostInFlight = "rotation_lost_in_flight";

    /// <summary>The provider rejected the client (<c>invalid_client</c>, <c>unauthorized_client</c>): fix the client id, secret or key.</summary>
    public const string InvalidClient = "invalid_client";

    /// <summary>The provider rejected the request itself (<c>invalid_scope</c>, <c>unsupported_grant_type</c>, …): fix the configuration.</summary>
    public const string ConfigurationError = "configuration_error";

    /// <summary>An operator disabled the connection.</summary>
    public const string DisabledByOperator = "disabled_by_operator";
}
