using System.Collections.Concurrent;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Refresh;

/// <summary>
/// <c>auth_loop</c> alerts: a resource server rejected a request again after its replay with a new token (a revoked grant the
/// token endpoint still serves, a wrong audience or scope). At most one per connection per
/// <see cref="RefreshConstants.AuthLoopAlertInterval"/>, enqueued to the store's outbox when it has one.
/// </summary>
internal sealed class AuthLoopAlerts(ITokenStore store, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastAlert = new(StringComparer.Ordinal);

    /// <summary>Enqueues an alert for <paramref name="connectionId"/> unless one went out less than the interval ago.</summary>
    public async ValueTask ReportAsync(string connectionId, ManagedAccessToken rejected, string method, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var now = time.GetUtcNow();
        if (store is not IEventOutbox outbox || !Claim(connectionId, now))
        {
            return;
        }

        await outbox.EnqueueAsync(
            [
                new ConnectionEvent
                {
                    ConnectionId = connectionId,
                    Type = ConnectionEventTypes.AuthLoop,
                    OccurredAt = now,
                    Cause = FailureCause.ClientConfiguration, // the API refuses what the provider just issued: scopes, audience, permissions
                    Detail = $"{method} {path} was rejected again after a replay with a freshly obtained token",
                    Data = new Dictionary<string, string> { ["access_token"] = rejected.Fingerprint },
                },
            ],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Claims the connection's next alert: true for exactly one caller per interval.</summary>
    private bool Claim(string connectionId, DateTimeOffset now)
    {
        while (true)
        {
            if (_lastAlert.TryGetValue(connectionId, out var last))
            {
                if (now - last < RefreshConstants.AuthLoopAlertInterval)
                {
                    return false;
                }

                if (_lastAlert.TryUpdate(connectionId, now, last))
                {
                    return true;
                }
            }
            else if (_lastAlert.TryAdd(connectionId, now))
            {
                return true;
            }
        }
    }
}
