using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Hosting;

/// <summary>A connection declared in code with <c>AddConnection</c>.</summary>
public sealed class ConnectionOptions
{
    /// <summary>The provider profile name (<c>generic</c>, <c>salesforce</c>, <c>hubspot</c>, …). Default <c>generic</c>.</summary>
    public string Provider { get; set; } = "generic";

    /// <summary>A custom profile instead of a named one.</summary>
    public ProviderProfile? Profile { get; set; }

    /// <summary>The token endpoint (https, or http on loopback).</summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>The revocation endpoint, if any.</summary>
    public Uri? RevocationEndpoint { get; set; }

    /// <summary>The introspection endpoint (RFC 7662), if the provider lets this client introspect its refresh tokens: a refresh
    /// whose answer was lost at a rotating provider is then recovered when the provider says the token is still active.</summary>
    public Uri? IntrospectionEndpoint { get; set; }

    /// <summary>Overrides the profile's refresh-token rotation. Null: the profile's.</summary>
    public RefreshTokenRotation? Rotation { get; set; }

    /// <summary>Overrides the profile's rotation grace (grace period, or reuse interval with reuse detection). Null: the profile's.</summary>
    public TimeSpan? RotationGrace { get; set; }

    /// <summary>The OAuth client id.</summary>
    public string? ClientId { get; set; }

    /// <summary>The client secret.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>A PEM private key for <c>private_key_jwt</c> or the JWT-bearer grant.</summary>
    public string? SigningKeyPem { get; set; }

    /// <summary>The signing key's <c>kid</c>.</summary>
    public string? SigningKeyId { get; set; }

    /// <summary>How the client authenticates; null: the provider profile's default.</summary>
    public ClientAuthMethod? ClientAuthMethod { get; set; }

    /// <summary>The grant that renews access tokens. Default <see cref="OAuthGrantType.RefreshToken"/>.</summary>
    public OAuthGrantType Grant { get; set; } = OAuthGrantType.RefreshToken;

    /// <summary>The <c>sub</c> of JWT-bearer assertions.</summary>
    public string? JwtBearerSubject { get; set; }

    /// <summary>The scope to request.</summary>
    public string? Scope { get; set; }

    /// <summary>RFC 8707 <c>resource</c>.</summary>
    public string? Resource { get; set; }

    /// <summary>The <c>audience</c> parameter.</summary>
    public string? Audience { get; set; }

    /// <summary>More token request parameters.</summary>
    public Dictionary<string, string> ExtraParameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Bootstrap refresh token: used only while the store does not know the connection (see <see cref="ConnectionDefinition.BootstrapRefreshToken"/>).</summary>
    public string? RefreshToken { get; set; }

    /// <summary>Allow plain http off loopback (test environments only).</summary>
    public bool AllowInsecureHttp { get; set; }

    /// <summary>See <see cref="ConnectionRegistration.AuthorizationEndpoint"/>.</summary>
    public Uri? AuthorizationEndpoint { get; set; }

    /// <summary>See <see cref="ConnectionRegistration.DeviceAuthorizationEndpoint"/>.</summary>
    public Uri? DeviceAuthorizationEndpoint { get; set; }

    /// <summary>See <see cref="ConnectionRegistration.RedirectUri"/>.</summary>
    public string? RedirectUri { get; set; }

    /// <summary>See <see cref="ConnectionRegistration.Issuer"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>See <see cref="ConnectionRegistration.ApiBaseUrl"/>.</summary>
    public Uri? ApiBaseUrl { get; set; }

    /// <summary>Builds the definition.</summary>
    /// <exception cref="TokenkeeperConfigurationException">A required value is missing.</exception>
    public ConnectionDefinition ToDefinition(string connectionId) => new()
    {
        ConnectionId = connectionId,
        Profile = Profile,
        BootstrapRefreshToken = string.IsNullOrEmpty(RefreshToken) ? null : new RefreshToken(RefreshToken),
        Registration = new ConnectionRegistration
        {
            Provider = Profile?.Name ?? Provider,
            TokenEndpoint = TokenEndpoint ?? throw new TokenkeeperConfigurationException($"Connection '{connectionId}' needs a TokenEndpoint."),
            RevocationEndpoint = RevocationEndpoint,
            IntrospectionEndpoint = IntrospectionEndpoint,
            Rotation = Rotation,
            RotationGrace = RotationGrace,
            ClientId = ClientId ?? throw new TokenkeeperConfigurationException($"Connection '{connectionId}' needs a ClientId."),
            ClientSecret = string.IsNullOrEmpty(ClientSecret) ? null : new ClientSecret(ClientSecret),
            SigningKeyPem = string.IsNullOrEmpty(SigningKeyPem) ? null : new ClientSecret(SigningKeyPem),
            SigningKeyId = SigningKeyId,
            ClientAuthMethod = ClientAuthMethod,
            Grant = Grant,
            JwtBearerSubject = JwtBearerSubject,
            Scope = Scope,
            Resource = Resource,
            Audience = Audience,
            ExtraParameters = ExtraParameters.Count == 0 ? null : new Dictionary<string, string>(ExtraParameters, StringComparer.Ordinal),
            AllowInsecureHttp = AllowInsecureHttp,
            AuthorizationEndpoint = AuthorizationEndpoint,
            DeviceAuthorizationEndpoint = DeviceAuthorizationEndpoint,
            RedirectUri = RedirectUri,
            Issuer = Issuer,
            ApiBaseUrl = ApiBaseUrl,
        },
    };
}
