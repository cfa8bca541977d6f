namespace Tokenkeeper.Tokens;

/// <summary>
/// What a token endpoint returned, normalised: the access token with an absolute expiry, the refresh token
/// (kept from before when the provider did not send a new one) and the refresh token's absolute deadline.
/// Immutable. Times are UTC on this machine's clock.
/// </summary>
public sealed record TokenSet
{
    /// <summary>The access token.</summary>
    public required AccessToken AccessToken { get; init; }

    /// <summary>The token type, normally <c>Bearer</c>.</summary>
    public string TokenType { get; init => field = value ?? "Bearer"; } = "Bearer";

    /// <summary>The refresh token, if the grant has one.</summary>
    public RefreshToken? RefreshToken { get; init; }

    /// <summary>The granted scope, space separated, if known.</summary>
    public string? Scope { get; init; }

    /// <summary>When the request that produced this token was sent (expiry is measured from here: conservative).</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>When the access token stops working.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Where <see cref="ExpiresAt"/> came from.</summary>
    public ExpirySource ExpirySource { get; init; }

    /// <summary>The refresh token's absolute deadline when the provider stated one (<c>refresh_token_expires_in</c>,
    /// <c>x_refresh_token_expires_in</c>); otherwise null and the provider profile decides.</summary>
    public DateTimeOffset? RefreshTokenExpiresAt { get; init; }

    /// <summary>Salesforce's <c>instance_url</c>: the base address for API calls with this token.</summary>
    public string? InstanceUrl { get; init; }

    /// <summary>The token endpoint clock minus this machine's clock, estimated from the response's <c>Date</c> header.</summary>
    public TimeSpan? ServerClockSkew { get; init; }

    /// <summary>The access token's lifetime as seen from this machine.</summary>
    public TimeSpan Lifetime => ExpiresAt - IssuedAt;
}
