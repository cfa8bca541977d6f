using Tokenkeeper.Refresh;

namespace Tokenkeeper.Broker.Tokens;

/// <summary>What <c>GET /v1/connections/{id}/token</c> returns: the access token, never a refresh token or a client secret.</summary>
internal sealed record TokenResponse(string AccessToken, string TokenType, DateTime ExpiresAt, string ConnectionId, string Fingerprint)
{
    /// <summary>The answer for <paramref name="token"/>, its expiry in UTC (written with <c>Z</c>, RFC 3339).</summary>
    public static TokenResponse Of(ManagedAccessToken token) =>
        new(token.Token.Value, token.TokenType, token.ExpiresAt.UtcDateTime, token.ConnectionId, token.Fingerprint);
}

/// <summary>The body of <c>POST /v1/connections/{id}/token/invalid</c>: the token a resource server refused.</summary>
internal sealed record InvalidTokenRequest(string? AccessToken);
