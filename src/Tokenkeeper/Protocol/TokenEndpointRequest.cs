using Tokenkeeper.Connections;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Protocol;

/// <summary>One request to a token endpoint: the grant, the client and what to ask for.</summary>
internal sealed record TokenEndpointRequest
{
    /// <summary>The token endpoint. Plain <c>http://</c> is refused except on loopback unless <see cref="AllowInsecureHttp"/>.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The client.</summary>
    public required ClientIdentity Client { get; init; }

    /// <summary>The grant type.</summary>
    public required OAuthGrantType Grant { get; init; }

    /// <summary>The refresh token, for <see cref="OAuthGrantType.RefreshToken"/>. Kept in the result when the response carries none.</summary>
    public RefreshToken? RefreshToken { get; init; }

    /// <summary>The authorisation code, for <see cref="OAuthGrantType.AuthorizationCode"/>.</summary>
    public string? Code { get; init; }

    /// <summary>The redirect URI the code was issued for.</summary>
    public string? RedirectUri { get; init; }

    /// <summary>The PKCE code verifier (RFC 7636) for the code.</summary>
    public string? CodeVerifier { get; init; }

    /// <summary>The signed assertion, for <see cref="OAuthGrantType.JwtBearer"/>.</summary>
    public string? Assertion { get; init; }

    /// <summary>The scope to request, space separated.</summary>
    public string? Scope { get; init; }

    /// <summary>RFC 8707 <c>resource</c>, if the provider wants one.</summary>
    public string? Resource { get; init; }

    /// <summary>The <c>audience</c> parameter some providers (Auth0) require.</summary>
    public string? Audience { get; init; }

    /// <summary>More form parameters, sent as given.</summary>
    public IReadOnlyDictionary<string, string>? ExtraParameters { get; init; }

    /// <summary>The provider's profile: lifetimes it does not state and its error aliases.</summary>
    public ProviderProfile Profile { get; init; } = ProviderProfiles.Generic;

    /// <summary>Lifetime assumed when neither the response nor the profile gives one. Default <see cref="TokenConstants.DefaultAccessTokenLifetime"/>.</summary>
    public TimeSpan DefaultLifetime { get; init; } = TokenConstants.DefaultAccessTokenLifetime;

    /// <summary>Allow a plain <c>http://</c> endpoint that is not on loopback. Default false: refresh tokens must not cross a network in clear.</summary>
    public bool AllowInsecureHttp { get; init; }
}
