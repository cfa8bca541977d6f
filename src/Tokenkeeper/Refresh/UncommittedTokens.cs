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
internal sealed record UncommittedTokens(TokenSet Tokens, int Generation, RefreshToken? Spent, RefreshTrigger Trigger);
