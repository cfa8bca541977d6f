using System.Collections.Concurrent;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>Builds token requests from a connection's registration and current refresh token.</summary>
internal sealed class TokenRequestFactory(TimeProvider time, TokenManagerOptions options)
{
    private readonly ConcurrentDictionary<string, ClientSigningKey> _keys = new(StringComparer.Ordinal);

    public static string ClientKey(ConnectionRegistration registration, ProviderProfile profile) =>
        $"{registration.TokenEndpoint}|{registration.ClientId}|{AuthMethodOf(registration, profile)}|{registration.ClientSecret?.Fingerprint ?? registration.SigningKeyPem?.Fingerprint ?? "-"}";

    /// <summary>The client authentication a connection uses: the one it names; else <c>private_key_jwt</c> when it has a signing
    /// key and no secret (a secret method could only fail); else the provider profile's default.</summary>
    public static ClientAuthMethod AuthMethodOf(ConnectionRegistration registration, ProviderProfile profile) =>
        registration.ClientAuthMethod
        ?? (registration.SigningKeyPem is not null && registration.ClientSecret is null ? ClientAuthMethod.PrivateKeyJwt : profile.DefaultClientAuthMethod);

    public TokenEndpointRequest Create(ConnectionRegistration registration, ProviderProfile profile, RefreshToken? refreshToken)
    {
        var method = AuthMethodOf(registration, profile);
        var key = registration.SigningKeyPem is { } pem ? _keys.GetOrAdd(pem.Fingerprint, _ => LoadKey(pem, registration.SigningKeyId)) : null;
        var client = new ClientIdentity { ClientId = registration.ClientId, Secret = registration.ClientSecret, AuthMethod = method, SigningKey = key };
        string? assertion = null;
        if (registration.Grant == OAuthGrantType.JwtBearer)
        {
            var signer = key ?? throw new TokenkeeperConfigurationException("A JWT-bearer grant needs a signing key.");
            assertion = JwtAssertion.Create(signer, registration.ClientId, registration.JwtBearerSubject ?? registration.ClientId, registration.TokenEndpoint.GetLeftPart(UriPartial.Path), time.GetUtcNow(), TokenEndpointConstants.ClientAssertionLifetime, registration.Scope is null ? null : new Dictionary<string, string> { ["scope"] = registration.Scope });
        }

        return new TokenEndpointRequest
        {
            Endpoint = registration.TokenEndpoint,
            Client = client,
            Grant = registration.Grant,
            RefreshToken = registration.Grant == OAuthGrantType.RefreshToken ? refreshToken : null,
            Assertion = assertion,
            Scope = registration.Grant == OAuthGrantType.RefreshToken ? null : registration.Scope,
            Resource = registration.Resource,
            Audience = registration.Audience,
            ExtraParameters = registration.ExtraParameters,
            Profile = profile,
            DefaultLifetime = options.DefaultAccessTokenLifetime,
            AllowInsecureHttp = registration.AllowInsecureHttp,
        };
    }

    private static ClientSigningKey LoadKey(ClientSecret pem, string? keyId)
    {
        try
        {
            var key = ClientSigningKey.FromPem(pem.Value, keyId);
            _ = key.Algorithm;
            return key;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException or NotSupportedException)
        {
            throw new TokenkeeperConfigurationException($"The client signing key ({pem.Fingerprint}) is not a usable RSA or P-256 PEM private key: {ex.Message}", ex);
        }
    }
}
