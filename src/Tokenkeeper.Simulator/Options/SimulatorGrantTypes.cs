namespace Tokenkeeper.Simulator;

/// <summary>The <c>grant_type</c> values the token endpoint understands.</summary>
public static class SimulatorGrantTypes
{
    /// <summary><c>authorization_code</c> (RFC 6749 §4.1, PKCE S256 required).</summary>
    public const string AuthorizationCode = "authorization_code";

    /// <summary><c>refresh_token</c> (RFC 6749 §6).</summary>
    public const string RefreshToken = "refresh_token";

    /// <summary><c>client_credentials</c> (RFC 6749 §4.4).</summary>
    public const string ClientCredentials = "client_credentials";

    /// <summary><c>urn:ietf:params:oauth:grant-type:jwt-bearer</c> (RFC 7523 §2.1).</summary>
    public const string JwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";

    /// <summary><c>urn:ietf:params:oauth:grant-type:device_code</c> (RFC 8628).</summary>
    public const string DeviceCode = "urn:ietf:params:oauth:grant-type:device_code";

    /// <summary>Every grant type, the default of <see cref="SimulatorClient.GrantTypes"/>.</summary>
    public static IReadOnlyList<string> All { get; } = [AuthorizationCode, RefreshToken, ClientCredentials, JwtBearer, DeviceCode];
}
