namespace Tokenkeeper.Simulator;

/// <summary>The token response of a grant started with <see cref="SimulatorServer.CreateGrantAsync"/> (or <c>POST /sim/grants</c>).</summary>
public sealed class GrantTokens
{
    /// <summary>The grant's id (<c>grant_id</c>), as listed by <c>GET /sim/grants</c>.</summary>
    public required string GrantId { get; init; }

    /// <summary>The access token.</summary>
    public required string AccessToken { get; init; }

    /// <summary>The refresh token, or null when the client may not use the refresh grant.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>Always <c>Bearer</c>.</summary>
    public string TokenType { get; init; } = "Bearer";

    /// <summary>The access token's lifetime as the server enforces it (whatever <c>expires_in</c> style the response uses).</summary>
    public TimeSpan AccessTokenLifetime { get; init; }

    /// <summary>Time left before the grant's refresh tokens die of age, when an absolute lifetime is set.</summary>
    public TimeSpan? RefreshTokenExpiresIn { get; init; }

    /// <summary>The granted scope, space-separated.</summary>
    public required string Scope { get; init; }

    /// <summary>The exact JSON body <c>POST /sim/grants</c> would have returned.</summary>
    public required string ResponseJson { get; init; }
}
