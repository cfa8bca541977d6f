namespace Tokenkeeper.Simulator;

/// <summary>An RFC 6749 §5.2 error: the code, a human description, the status, and whether to challenge Basic auth.</summary>
internal readonly record struct OAuthError(string Code, string Description, int StatusCode = 400, bool BasicChallenge = false)
{
    public const string InvalidRequestCode = "invalid_request";
    public const string InvalidClientCode = "invalid_client";
    public const string InvalidGrantCode = "invalid_grant";
    public const string UnauthorizedClientCode = "unauthorized_client";
    public const string UnsupportedGrantTypeCode = "unsupported_grant_type";
    public const string InvalidScopeCode = "invalid_scope";

    public static OAuthError InvalidRequest(string description) => new(InvalidRequestCode, description);

    /// <summary>401 with <c>WWW-Authenticate: Basic</c> when the client tried Basic auth (RFC 6749 §5.2); 400 otherwise.</summary>
    public static OAuthError InvalidClient(string description, bool basicTried) =>
        new(InvalidClientCode, description, basicTried ? 401 : 400, basicTried);

    /// <summary>
    /// The error as the introspection endpoint answers it (RFC 7662 §2.3): an <c>invalid_client</c> is always 401 with
    /// <c>WWW-Authenticate: Basic</c>, whatever method the client tried; any other error is unchanged.
    /// </summary>
    public OAuthError AtIntrospection() => Code == InvalidClientCode ? this with { StatusCode = 401, BasicChallenge = true } : this;

    public static OAuthError InvalidGrant(string description) => new(InvalidGrantCode, description);

    public static OAuthError UnauthorizedClient(string description) => new(UnauthorizedClientCode, description);

    public static OAuthError UnsupportedGrantType(string description) => new(UnsupportedGrantTypeCode, description);

    public static OAuthError InvalidScope(string description) => new(InvalidScopeCode, description);
}
