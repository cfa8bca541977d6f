using System.Collections.Concurrent;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Clients the provider rejected (<c>invalid_client</c>): every connection of that client fails fast instead of asking again.
/// Keyed by endpoint, client id, method and secret fingerprint, so a corrected secret is a new key.
/// </summary>
internal sealed class ClientHealth
{
    private readonly ConcurrentDictionary<string, string> _rejected = new(StringComparer.Ordinal);

    public void MarkRejected(string clientKey, string why) => _rejected[clientKey] = why;

    public bool IsRejected(string clientKey, out string why) => _rejected.TryGetValue(clientKey, out why!);

    public void Clear(string clientKey) => _rejected.TryRemove(clientKey, out _);
}
