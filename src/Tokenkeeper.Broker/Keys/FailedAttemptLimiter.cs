using System.Collections.Concurrent;
using System.Net;

namespace Tokenkeeper.Broker.Keys;

/// <summary>
/// Slows key guessing: a client address that made <see cref="BrokerConstants.FailedAttemptLimit"/> requests without a valid key
/// within <see cref="BrokerConstants.FailedAttemptWindow"/> is answered 429 without its key being looked at, until that window
/// (counted from its first failure) ends. Successes do not reset the count; addresses are forgotten when their window ends.
/// </summary>
internal sealed class FailedAttemptLimiter(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>When the address may try again, if it is blocked now.</summary>
    public DateTimeOffset? BlockedUntil(IPAddress? address)
    {
        var now = time.GetUtcNow();
        if (_windows.TryGetValue(Key(address), out var window))
        {
            if (window.Ends <= now)
            {
                _windows.TryRemove(new KeyValuePair<string, Window>(Key(address), window));
                return null;
            }

            return window.Failures >= BrokerConstants.FailedAttemptLimit ? window.Ends : null;
        }

        return null;
    }

    /// <summary>Counts a request from <paramref name="address"/> that had no valid key.</summary>
    public void Failed(IPAddress? address)
    {
        var now = time.GetUtcNow();
        _windows.AddOrUpdate(
            Key(address),
            _ => new Window(now + BrokerConstants.FailedAttemptWindow, 1),
            (_, window) => window.Ends <= now ? new Window(now + BrokerConstants.FailedAttemptWindow, 1) : window with { Failures = window.Failures + 1 });
        if (_windows.Count > BrokerConstants.FailedAttemptAddresses)
        {
            foreach (var stale in _windows.Where(w => w.Value.Ends <= now).ToList())
            {
                _windows.TryRemove(stale);
            }
        }
    }

    private static string Key(IPAddress? address) => address?.ToString() ?? "unknown";

    private sealed record Window(DateTimeOffset Ends, int Failures);
}
