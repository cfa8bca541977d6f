namespace Tokenkeeper.Storage;

/// <summary>
/// Recorded in the store before a refresh token is sent (DESIGN.md contract 6). If it is still there when the next refresh
/// starts, the earlier refresh's outcome is unknown: the provider may have rotated the refresh token and the response been lost.
/// </summary>
/// <param name="Generation">The refresh-token generation the refresh spends.</param>
/// <param name="RefreshTokenFingerprint">The fingerprint of the refresh token sent.</param>
/// <param name="StartedAt">When the refresh started; for a refresh in doubt, when its refresh token was first sent (the
/// provider's rotation grace window counts from then).</param>
/// <param name="Owner">The instance that sent it.</param>
/// <param name="ResponseLost">Whether a response is known to have been lost (connection dropped after sending, timeout, garbled 200).</param>
public sealed record RefreshIntent(int Generation, string RefreshTokenFingerprint, DateTimeOffset StartedAt, string Owner, bool ResponseLost = false);
