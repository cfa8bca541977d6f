namespace Tokenkeeper;

/// <summary>The error codes of RFC 6749 §5.2 and RFC 8628 §3.5 that Tokenkeeper acts on.</summary>
public static class OAuthErrorCodes
{
    /// <summary>The grant (refresh token, code, assertion) is invalid, expired, revoked or was issued to another client.</summary>
    public const string InvalidGrant = "invalid_grant";

    /// <summary>Client authentication failed.</summary>
    public const string InvalidClient = "invalid_client";

    /// <summary>The client may not use this grant type.</summary>
    public const string UnauthorizedClient = "unauthorized_client";

    /// <summary>The request is malformed.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>The requested scope is invalid or exceeds the grant.</summary>
    public const string InvalidScope = "invalid_scope";

    /// <summary>The server does not support the grant type.</summary>
    public const string UnsupportedGrantType = "unsupported_grant_type";

    /// <summary>The server hit an unexpected condition.</summary>
    public const string ServerError = "server_error";

    /// <summary>The server is temporarily overloaded or down for maintenance.</summary>
    public const string TemporarilyUnavailable = "temporarily_unavailable";

    /// <summary>The client is polling or refreshing too fast (RFC 8628).</summary>
    public const string SlowDown = "slow_down";

    /// <summary>The resource owner or server denied the request.</summary>
    public const string AccessDenied = "access_denied";
}
