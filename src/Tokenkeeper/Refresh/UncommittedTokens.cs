using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Tokens the provider issued whose commit failed because the store was unavailable. Kept in memory and committed before
/// any further refresh is sent: the refresh token they hold may be the only live one.
/// </summary>
/// <param name="Tokens">What the provider issued.</param>
/// <param name="Generation">The refresh-token generation the refresh spent.</param>
/// <param name="Spent">The refresh token the refresh spent.</param>
/// <param name="Trigger">Why the refresh ran.</param>
/// <param name="RefreshTokenOnly">Only the refresh token is new (salvaged from an otherwise unusable answer); the access token is
/// the one the connection already had, so committing these is not a successful refresh.</param>
internal sealed record UncommittedTokens(TokenSet Tokens, int Generation, RefreshToken? Spent, RefreshTrigger Trigger, bool RefreshTokenOnly = false);
