using Tokenkeeper.Tokens;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Protocol;

/// <summary>Who the client is to the token endpoint, and how it proves it.</summary>
internal sealed record ClientIdentity
{
    /// <summary>The OAuth client id.</summary>
    public required string ClientId { get; init; }

    /// <summary>The client secret, for <see cref="ClientAuthMethod.ClientSecretBasic"/> and <see cref="ClientAuthMethod.ClientSecretPost"/>.</summary>
    public ClientSecret? Secret { get; init; }

    /// <summary>How the client authenticates.</summary>
    public ClientAuthMethod AuthMethod { get; init; } = ClientAuthMethod.ClientSecretBasic;

    /// <summary>The private key, for <see cref="ClientAuthMethod.PrivateKeyJwt"/>.</summary>
    public ClientSigningKey? SigningKey { get; init; }

    /// <summary>A key that tells clients apart without revealing the secret: id, method and secret fingerprint.</summary>
    public string HealthKey => $"{ClientId}|{AuthMethod}|{Secret?.Fingerprint ?? "-"}";
}
