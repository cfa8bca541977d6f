using Tokenkeeper.Tokens;

namespace Tokenkeeper.Storage;

/// <summary>
/// Tokens a refresh obtained that the store would not take (it was down, or the commit kept conflicting). The refresh token in
/// them may be the only live one: the instance that has them keeps them in memory and, with a persistent store, writes them
/// beside it (<see cref="IKeptTokenStore"/>) so they outlive the process. Whoever next refreshes the connection on this machine
/// stores them first, if the store still holds the refresh token they replace; otherwise they are obsolete and dropped.
/// </summary>
public sealed record KeptTokens
{
    /// <summary>The connection.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>What the provider issued (for a salvaged refresh token, only <see cref="TokenSet.RefreshToken"/> is new).</summary>
    public required TokenSet Tokens { get; init; }

    /// <summary>The refresh-token generation the refresh spent: the kept tokens apply only while the store is still at it.</summary>
    public required int SpentGeneration { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the refresh token the refresh spent; null when none was spent. Never the token.</summary>
    public string? SpentRefreshTokenHash { get; init; }

    /// <summary>Only the refresh token is new (salvaged from an otherwise unusable answer): storing it is not a refresh.</summary>
    public bool RefreshTokenOnly { get; init; }

    /// <summary>When they were kept.</summary>
    public required DateTimeOffset KeptAt { get; init; }

    /// <summary>The instance that kept them (its lease owner id).</summary>
    public required string KeptBy { get; init; }
}
