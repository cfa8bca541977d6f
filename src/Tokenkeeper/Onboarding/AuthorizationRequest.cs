namespace Tokenkeeper.Onboarding;

/// <summary>
/// One authorization code request in progress (RFC 6749 §4.1 with PKCE S256): the URL to send the person to, and what its
/// completion must check and send. Plain data, so a service can keep it in its store between the redirect and the callback;
/// <see cref="CodeVerifier"/> is a secret until the code is exchanged: keep it encrypted, never log it.
/// </summary>
public sealed record AuthorizationRequest
{
    /// <summary>The connection being authorised.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>Where to send the person: the provider's authorization endpoint with every parameter.</summary>
    public required Uri AuthorizationUrl { get; init; }

    /// <summary>The single-use <c>state</c>: the redirect back must carry exactly this.</summary>
    public required string State { get; init; }

    /// <summary>The PKCE code verifier (a secret until the exchange).</summary>
    public required string CodeVerifier { get; init; }

    /// <summary>The redirect URI the request names; the code exchange sends the same.</summary>
    public required string RedirectUri { get; init; }

    /// <summary>The issuer the redirect's <c>iss</c> must name when the provider sends one (RFC 9207); null when unknown.</summary>
    public string? Issuer { get; init; }

    /// <summary>When the request was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>After this the request is refused even with the right state.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The request without its secrets (the state and the verifier are left out, so logging it leaks nothing).</summary>
    public override string ToString() => $"AuthorizationRequest {{ ConnectionId = {ConnectionId}, RedirectUri = {RedirectUri}, ExpiresAt = {ExpiresAt:O} }}";
}
