using System.Text;

namespace Tokenkeeper.Simulator;

/// <summary>A client as the server sees it: its registration, pre-parsed for the hot path.</summary>
internal sealed class RegisteredClient
{
    public RegisteredClient(SimulatorClient source)
    {
        ClientId = source.ClientId;
        SecretBytes = source.ClientSecret is null ? null : Encoding.UTF8.GetBytes(source.ClientSecret);
        Secret = source.ClientSecret;
        PublicKeyPem = source.PublicKeyPem;
        KeyAlgorithm = source.PublicKeyPem is null ? null : ClientKeys.Kind(source.PublicKeyPem);
        RedirectUris = [.. source.RedirectUris];
        Scopes = Simulator.Scopes.Parse(source.Scopes);
        GrantTypes = new HashSet<string>(source.GrantTypes, StringComparer.Ordinal);
    }

    public string ClientId { get; }

    public string? Secret { get; }

    public byte[]? SecretBytes { get; }

    public string? PublicKeyPem { get; }

    /// <summary>"RS256" or "ES256" when a public key is registered.</summary>
    public string? KeyAlgorithm { get; }

    public string[] RedirectUris { get; }

    public string[] Scopes { get; }

    public HashSet<string> GrantTypes { get; }

    /// <summary>A client with neither secret nor key: it identifies itself with <c>client_id</c> alone.</summary>
    public bool IsPublic => SecretBytes is null && PublicKeyPem is null;
}
