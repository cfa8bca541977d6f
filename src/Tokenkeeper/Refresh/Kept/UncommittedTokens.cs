using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Tokens the provider issued whose commit failed because the store was unavailable or the commit gave up. Kept in memory (and,
/// with a persistent store, beside it: <see cref="KeptTokens"/>) and committed before any further refresh is sent: the refresh
/// token they hold may be the only live one.
/// </summary>
/// <param name="Tokens">What the provider issued.</param>
/// <param name="Generation">The refresh-token generation the refresh spent.</param>
/// <param name="Spent">The refresh token the refresh spent.</param>
/// <param name="Trigger">Why the refresh ran.</param>
/// <param name="RefreshTokenOnly">Only the refresh token is new (salvaged from an otherwise unusable answer); the access token is
/// the one the connection already had, so committing these is not a successful refresh.</param>
internal sealed record UncommittedTokens(TokenSet Tokens, int Generation, RefreshToken? Spent, RefreshTrigger Trigger, bool RefreshTokenOnly = false)
{
    /// <summary>The form written beside a persistent store.</summary>
    public KeptTokens ToKept(string connectionId, string keptBy, DateTimeOffset now) => new()
    {
        ConnectionId = connectionId,
        Tokens = Tokens,
        SpentGeneration = Generation,
        SpentRefreshTokenHash = Spent?.Sha256Hex(),
        RefreshTokenOnly = RefreshTokenOnly,
        KeptAt = now,
        KeptBy = keptBy,
    };

    /// <summary>Kept tokens found beside the store, if <paramref name="record"/> still holds the refresh token they replace;
    /// null when they are obsolete (the store has moved on: a peer refreshed, the connection was re-authorised).</summary>
    public static UncommittedTokens? FromKept(KeptTokens kept, ConnectionRecord record) =>
        record.RefreshTokenGeneration == kept.SpentGeneration && record.Tokens?.RefreshToken?.Sha256Hex() == kept.SpentRefreshTokenHash
            ? new UncommittedTokens(kept.Tokens, kept.SpentGeneration, record.Tokens?.RefreshToken, RefreshTrigger.StoreKept, kept.RefreshTokenOnly)
            : null;
}
