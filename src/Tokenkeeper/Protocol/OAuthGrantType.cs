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

    /// <summary><c>urn:ietf:params:oauth:grant-type:device_code</c> (RFC 8628 §3.4): polling for a device authorization;
    /// the device code travels in <see cref="TokenEndpointRequest.Code"/>.</summary>
    DeviceCode,
}
