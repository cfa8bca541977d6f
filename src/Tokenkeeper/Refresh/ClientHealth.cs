using System.Collections.Concurrent;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Clients the provider rejected (<c>invalid_client</c>): every connection of that client fails fast instead of asking again,
/// until the hold ends (<see cref="RefreshConstants.MisconfiguredRetryWait"/> after the rejection). Keyed by endpoint, client id,
/// method and credential fingerprint, so a corrected secret or key is a new key. A mark is a hint of this process only: a
/// connection whose stored state changed after it (enabled, reconfigured, refreshed by another process) is asked again.
/// </summary>
internal sealed class ClientHealth
{
    private readonly ConcurrentDictionary<string, Rejection> _rejected = new(StringComparer.Ordinal);

    /// <summary>Records that the provider rejected <paramref name="clientKey"/> at <paramref name="at"/>, held until <paramref name="until"/>.</summary>
    public void MarkRejected(string clientKey, string why, DateTimeOffset at, DateTimeOffset until) => _rejected[clientKey] = new Rejection(why, at, until);

    /// <summary>The rejection of <paramref name="clientKey"/> still held at <paramref name="now"/>, if any.</summary>
    public Rejection? Find(string clientKey, DateTimeOffset now) =>
        _rejected.TryGetValue(clientKey, out var entry) && entry.Until > now ? entry : null;

    /// <summary>Forgets a rejection (an operator asked to try again, or the store says the connection moved on).</summary>
    public void Clear(string clientKey) => _rejected.TryRemove(clientKey, out _);

    /// <summary>What the provider said, when, and until when nothing is sent with the same client.</summary>
    public sealed record Rejection(string Why, DateTimeOffset At, DateTimeOffset Until);
}
