using System.Text.Json.Serialization;

namespace Tokenkeeper.Protocol;

/// <summary>The parts of RFC 8414 authorization server metadata Tokenkeeper uses.</summary>
internal sealed record AuthorizationServerMetadata
{
    /// <summary>The issuer identifier; must equal the URL the metadata was requested for.</summary>
    [JsonPropertyName("issuer")]
    public string? Issuer { get; init; }

    /// <summary>The token endpoint.</summary>
    [JsonPropertyName("token_endpoint")]
    public Uri? TokenEndpoint { get; init; }

    /// <summary>The authorization endpoint.</summary>
    [JsonPropertyName("authorization_endpoint")]
    public Uri? AuthorizationEndpoint { get; init; }

    /// <summary>The revocation endpoint (RFC 7009).</summary>
    [JsonPropertyName("revocation_endpoint")]
    public Uri? RevocationEndpoint { get; init; }

    /// <summary>The introspection endpoint (RFC 7662).</summary>
    [JsonPropertyName("introspection_endpoint")]
    public Uri? IntrospectionEndpoint { get; init; }

    /// <summary>The device authorization endpoint (RFC 8628 §4).</summary>
    [JsonPropertyName("device_authorization_endpoint")]
    public Uri? DeviceAuthorizationEndpoint { get; init; }

    /// <summary>Supported grant types.</summary>
    [JsonPropertyName("grant_types_supported")]
    public IReadOnlyList<string>? GrantTypesSupported { get; init; }

    /// <summary>Supported client authentication methods at the token endpoint.</summary>
    [JsonPropertyName("token_endpoint_auth_methods_supported")]
    public IReadOnlyList<string>? TokenEndpointAuthMethodsSupported { get; init; }

    /// <summary>Supported PKCE methods.</summary>
    [JsonPropertyName("code_challenge_methods_supported")]
    public IReadOnlyList<string>? CodeChallengeMethodsSupported { get; init; }

    /// <summary>Supported scopes.</summary>
    [JsonPropertyName("scopes_supported")]
    public IReadOnlyList<string>? ScopesSupported { get; init; }
}
