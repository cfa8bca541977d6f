namespace Tokenkeeper.Tokens;

/// <summary>Where a token's expiry came from (DESIGN.md contract 8), in the order they are tried.</summary>
public enum ExpirySource
{
    /// <summary>The response's <c>expires_in</c> (a number or a numeric string), counted from when the request was sent.</summary>
    ExpiresIn,

    /// <summary>The <c>exp</c> claim of a JWT access token, corrected for the server's clock skew.</summary>
    JwtExpiry,

    /// <summary>The provider profile's access-token lifetime (Salesforce: <c>issued_at</c> plus the session timeout).</summary>
    ProviderProfile,

    /// <summary>The configured default lifetime: the provider said nothing usable. Counted in a metric.</summary>
    Default,
}
