namespace Tokenkeeper.Simulator;

/// <summary>A client registered with the simulated authorization server.</summary>
/// <remarks>
/// A client with a <see cref="ClientSecret"/> authenticates with <c>client_secret_basic</c> or
/// <c>client_secret_post</c>; one with a <see cref="PublicKeyPem"/> with <c>private_key_jwt</c> (and may use the
/// JWT-bearer grant); one with neither is a public client that sends only <c>client_id</c> and may use
/// <c>authorization_code</c> (with PKCE) and <c>refresh_token</c>.
/// </remarks>
public sealed class SimulatorClient
{
    /// <summary>The client id. Required; no default.</summary>
    public string ClientId { get; set; } = string.Empty;

    /// <summary>The client secret, or <see langword="null"/> (the default) for a client without one.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>
    /// The client's public key as PEM (<c>-----BEGIN PUBLIC KEY-----</c>, RSA or EC P-256), against which
    /// <c>private_key_jwt</c> client assertions and JWT-bearer grant assertions are verified. Default: none.
    /// </summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>Redirect URIs, matched exactly (no prefix or wildcard matching). Default: empty.</summary>
    public IList<string> RedirectUris { get; set; } = [];

    /// <summary>Space-separated scopes the client may be granted. Default: <see cref="SimulatorDefaults.ClientScopes"/>.</summary>
    public string Scopes { get; set; } = SimulatorDefaults.ClientScopes;

    /// <summary>Grant types the client may use. Default: all of <see cref="SimulatorGrantTypes.All"/>.</summary>
    public IList<string> GrantTypes { get; set; } = [.. SimulatorGrantTypes.All];

    /// <summary>
    /// The default client: <see cref="SimulatorDefaults.ClientId"/> / <see cref="SimulatorDefaults.ClientSecret"/>,
    /// scopes <see cref="SimulatorDefaults.ClientScopes"/>, redirect URI <see cref="SimulatorDefaults.RedirectUri"/>,
    /// every grant type.
    /// </summary>
    public static SimulatorClient CreateDefault() => new()
    {
        ClientId = SimulatorDefaults.ClientId,
        ClientSecret = SimulatorDefaults.ClientSecret,
        RedirectUris = [SimulatorDefaults.RedirectUri],
    };
}
