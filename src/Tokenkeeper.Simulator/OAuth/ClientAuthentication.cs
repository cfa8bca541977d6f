namespace Tokenkeeper.Simulator;

/// <summary>The client a token-endpoint request comes from, and how it proved it.</summary>
/// <param name="Client">The registered client, or null when the request carried no client identity at all.</param>
/// <param name="Method">
/// <c>client_secret_basic</c>, <c>client_secret_post</c>, <c>private_key_jwt</c>, <c>none</c> (a public client
/// sending its <c>client_id</c>), or <c>anonymous</c>.
/// </param>
internal readonly record struct ClientAuthentication(RegisteredClient? Client, string Method)
{
    public const string Basic = "client_secret_basic";
    public const string Post = "client_secret_post";
    public const string PrivateKeyJwt = "private_key_jwt";
    public const string None = "none";
    public const string Anonymous = "anonymous";

    /// <summary>True when the client proved its identity (a secret or a signed assertion).</summary>
    public bool IsConfidential => Method is Basic or Post or PrivateKeyJwt;

    /// <summary>The methods the discovery document advertises for the token and revocation endpoints.</summary>
    public static IReadOnlyList<string> SupportedMethods { get; } = [Basic, Post, PrivateKeyJwt, None];

    /// <summary>The methods by which a client proves its identity: all the introspection endpoint accepts.</summary>
    public static IReadOnlyList<string> ConfidentialMethods { get; } = [Basic, Post, PrivateKeyJwt];
}
