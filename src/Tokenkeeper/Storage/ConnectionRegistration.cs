using Tokenkeeper.Protocol;
using Tokenkeeper.Tokens;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Storage;

/// <summary>
/// How to reach a connection's provider: endpoint, client, grant and scope. Persisted with the connection so any process
/// that opens the store (a job, the lifecycle service, the CLI) can refresh it. The client secret and signing key are
/// secrets: a persistent store encrypts them (DESIGN.md contract 10).
/// </summary>
public sealed record ConnectionRegistration
{
    /// <summary>The provider profile name (see <see cref="Connections.ProviderProfiles"/>).</summary>
    public string Provider { get; init => field = value ?? "generic"; } = "generic";

    /// <summary>The token endpoint.</summary>
    public required Uri TokenEndpoint { get; init; }

    /// <summary>The revocation endpoint (RFC 7009), if known.</summary>
    public Uri? RevocationEndpoint { get; init; }

    /// <summary>The introspection endpoint (RFC 7662), if the provider offers one to this client. When a refresh's answer is lost at
    /// a provider that rotates refresh tokens, Tokenkeeper asks it whether the refresh token it sent is still active before
    /// sending it again (docs/engine.md, "A lost answer"). Needs client authentication (not <see cref="Connections.ClientAuthMethod.None"/>).</summary>
    public Uri? IntrospectionEndpoint { get; init; }

    /// <summary>Overrides the provider profile's <see cref="Connections.ProviderProfile.Rotation"/> for this connection. Null: the profile's.</summary>
    public Connections.RefreshTokenRotation? Rotation { get; init; }

    /// <summary>Overrides the provider profile's <see cref="Connections.ProviderProfile.RotationGrace"/> (grace period or reuse
    /// interval) for this connection. Null: the profile's.</summary>
    public TimeSpan? RotationGrace { get; init; }

    /// <summary>The OAuth client id.</summary>
    public required string ClientId { get; init; }

    /// <summary>The client secret.</summary>
    public ClientSecret? ClientSecret { get; init; }

    /// <summary>The client's private key in PEM, for <see cref="ClientAuthMethod.PrivateKeyJwt"/> and the JWT-bearer grant.</summary>
    public ClientSecret? SigningKeyPem { get; init; }

    /// <summary>The <c>kid</c> of the signing key.</summary>
    public string? SigningKeyId { get; init; }

    /// <summary>How the client authenticates. Null: the provider profile's default.</summary>
    public ClientAuthMethod? ClientAuthMethod { get; init; }

    /// <summary>The grant used to get new access tokens: <see cref="OAuthGrantType.RefreshToken"/>,
    /// <see cref="OAuthGrantType.ClientCredentials"/> or <see cref="OAuthGrantType.JwtBearer"/>.</summary>
    public OAuthGrantType Grant { get; init; } = OAuthGrantType.RefreshToken;

    /// <summary>The <c>sub</c> of JWT-bearer grant assertions (the user the client acts for).</summary>
    public string? JwtBearerSubject { get; init; }

    /// <summary>The scope to request, space separated.</summary>
    public string? Scope { get; init; }

    /// <summary>RFC 8707 <c>resource</c>.</summary>
    public string? Resource { get; init; }

    /// <summary>The <c>audience</c> parameter.</summary>
    public string? Audience { get; init; }

    /// <summary>More form parameters for token requests.</summary>
    public IReadOnlyDictionary<string, string>? ExtraParameters { get; init; }

    /// <summary>Allow a plain-http token endpoint off loopback. Default false.</summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>The authorization endpoint (RFC 6749 §3.1), for connecting with the authorization code grant.</summary>
    public Uri? AuthorizationEndpoint { get; init; }

    /// <summary>The device authorization endpoint (RFC 8628 §3.1), for connecting with the device authorization grant.</summary>
    public Uri? DeviceAuthorizationEndpoint { get; init; }

    /// <summary>The redirect URI registered for the client at the provider, for the authorization code grant. A loopback URI
    /// without a port (<c>http://127.0.0.1/callback</c>) is served on a free port, as RFC 8252 §7.3 allows.</summary>
    public string? RedirectUri { get; init; }

    /// <summary>The authorization server's issuer identifier, when known (from discovery): the <c>iss</c> of an authorization
    /// response must match it (RFC 9207).</summary>
    public string? Issuer { get; init; }

    /// <summary>The API this connection is for: the token service's proxy sends requests with its token only there.</summary>
    public Uri? ApiBaseUrl { get; init; }

    /// <summary>Whether two registrations describe the same thing: every field equal (secrets by value), the extra parameters as
    /// a set of pairs. Record equality does the fields, so a new field is compared without another edit.</summary>
    public bool SameAs(ConnectionRegistration? other) => other is not null
        && this with { ExtraParameters = null } == other with { ExtraParameters = null }
        && (ExtraParameters ?? EmptyParameters).OrderBy(p => p.Key, StringComparer.Ordinal).SequenceEqual((other.ExtraParameters ?? EmptyParameters).OrderBy(p => p.Key, StringComparer.Ordinal));

    private static readonly Dictionary<string, string> EmptyParameters = [];
}
