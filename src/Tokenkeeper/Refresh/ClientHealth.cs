using System.Collections.Concurrent;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Clients the provider rejected (<c>invalid_client</c>): every connection of that client fails fast instead of asking again,
/// until <see cref="RefreshConstants.MisconfiguredRetryWait"/> has passed. Keyed by endpoint, client id, method and secret
/// fingerprint, so a corrected secret is a new key.
/// </summary>
internal sealed class ClientHealth
{
    private readonly ConcurrentDictionary<string, (string Why, DateTimeOffset Until)> _rejected = new(StringComparer.Ordinal);

    /// <summary>Records that the provider rejected <paramref name="clientKey"/>, until <paramref name="until"/>.</summary>
    public void MarkRejected(string clientKey, string why, DateTimeOffset until) => _rejected[clientKey] = (why, until);

    /// <summary>Whether <paramref name="clientKey"/> is still known to be rejected at <paramref name="now"/>, and why.</summary>
    public bool IsRejected(string clientKey, DateTimeOffset now, out string why, out DateTimeOffset until)
    {
        if (_rejected.TryGetValue(clientKey, out var entry) && entry.Until > now)
        {
            (why, until) = entry;
            return true;
        }

        (why, until) = (string.Empty, default);
        return false;
    }

    /// <summary>Forgets a rejection (an operator asked to try again).</summary>
    public void Clear(string clientKey) => _rejected.TryRemove(clientKey, out _);
}
