using Tokenkeeper.Connections;

namespace Tokenkeeper.Onboarding;

/// <summary>A connection authorised: what it was before and what it is now, and fingerprints of what was stored (never the
/// tokens themselves).</summary>
/// <param name="ConnectionId">The connection.</param>
/// <param name="Previous">Its status before (a reconnect says what it recovered from).</param>
/// <param name="Current">Its status now.</param>
/// <param name="AccessTokenFingerprint">The new access token's fingerprint.</param>
/// <param name="RefreshTokenFingerprint">The new refresh token's fingerprint, or <c>-</c> for a grant without one.</param>
public sealed record OnboardingResult(string ConnectionId, ConnectionStatus Previous, ConnectionStatus Current, string AccessTokenFingerprint, string RefreshTokenFingerprint);
