namespace Tokenkeeper.Tokens;

/// <summary>Helpers to build token sets.</summary>
public static class TokenSets
{
    /// <summary>A token set holding only a refresh token: the access token is empty and already expired, so the first use refreshes.</summary>
    public static TokenSet FromRefreshToken(RefreshToken refreshToken, DateTimeOffset now, string? scope = null) => new()
    {
        AccessToken = new AccessToken(string.Empty),
        RefreshToken = refreshToken,
        Scope = scope,
        IssuedAt = now,
        ExpiresAt = now,
        ExpirySource = ExpirySource.Default,
    };
}
