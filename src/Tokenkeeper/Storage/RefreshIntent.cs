namespace Tokenkeeper.Storage;

/// <summary>
/// Recorded in the store right before a refresh token is sent (DESIGN.md contract 6), and removed once the outcome is known. If it
/// is still there when the next refresh starts, an earlier request with this refresh token has no known outcome: the provider may
/// have rotated the refresh token and the response been lost.
/// </summary>
/// <param name="Generation">The refresh-token generation the refresh spends.</param>
/// <param name="RefreshTokenFingerprint">The fingerprint of the refresh token sent.</param>
/// <param name="StartedAt">When this refresh token was first sent; for a refresh in doubt sent again, the first send's time (the
/// provider's rotation grace window counts from then).</param>
/// <param name="Owner">The instance that sent it.</param>
/// <param name="ResponseLost">Whether a response is known to have been lost (connection dropped after sending, timeout, garbled 200).</param>
/// <param name="InFlightUntil">Until when the latest request may still be at the provider: when it was sent plus the sender's request
/// window (its token timeout and a margin). Before then a peer must not take the intent for a lost answer, nor ask introspection
/// about it (a slow provider may still be processing it). Null in records written before it existed: the reader assumes
/// <paramref name="StartedAt"/> plus its own request window.</param>
public sealed record RefreshIntent(int Generation, string RefreshTokenFingerprint, DateTimeOffset StartedAt, string Owner, bool ResponseLost = false, DateTimeOffset? InFlightUntil = null);
