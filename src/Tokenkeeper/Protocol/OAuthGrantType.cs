namespace Tokenkeeper.Protocol;

/// <summary>The grants the token endpoint client speaks.</summary>
public enum OAuthGrantType
{
    /// <summary><c>refresh_token</c> (RFC 6749 §6).</summary>
    RefreshToken,

    /// <summary><c>client_credentials</c> (RFC 6749 §4.4).</summary>
    ClientCredentials,

    /// <summary><c>authorization_code</c> with a PKCE verifier (RFC 6749 §4.1, RFC 7636).</summary>
    AuthorizationCode,

    /// <summary><c>urn:ietf:params:oauth:grant-type:jwt-bearer</c> (RFC 7523 §2.1).</summary>
    JwtBearer,
}
