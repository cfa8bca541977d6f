using Microsoft.Extensions.Logging;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// What the refresh path needs from the manager, and nothing else: the store, the token endpoint client, the clock, the
/// options and their derived timings, telemetry, the per-client rate limit and health, and how to find a connection's
/// profile. One narrow record instead of the whole <see cref="TokenManager"/>.
/// </summary>
internal sealed record RefreshContext(
    ITokenStore Store,
    TokenEndpointClient Client,
    TimeProvider Time,
    TokenManagerOptions Options,
    TokenkeeperMetrics Metrics,
    ILogger Logger,
    TokenEndpointRateLimiter RateLimiter,
    TokenRequestFactory Requests,
    ClientHealth ClientHealth,
    Func<string, ConnectionRegistration, ProviderProfile> ProfileOf,
    RefreshTimings Timings)
{
    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>This instance's id in leases and intents.</summary>
    public string InstanceId => Options.InstanceId;

    /// <summary>Where tokens the store would not take are kept beside it, when the store keeps any.</summary>
    public IKeptTokenStore? Beside => Store as IKeptTokenStore;

    /// <summary>The cache handle of a record's tokens, with the refresh-ahead and expiry points of the connection's profile.</summary>
    public ManagedAccessToken HandleOf(ConnectionRecord record)
    {
        var tokens = record.Tokens ?? throw new InvalidOperationException("The record has no tokens.");
        var profile = ProfileOf(record.ConnectionId, record.Registration);
        var windows = TokenWindows.Compute(tokens.IssuedAt, tokens.ExpiresAt, profile.Windows ?? Options.Windows, Options.RefreshAheadJitter);
        return new ManagedAccessToken(record.ConnectionId, tokens, windows, record.Version);
    }

    /// <summary>Reads a connection's record; a connection the store does not know is a configuration error.</summary>
    public async ValueTask<ConnectionRecord> ReadAsync(string connectionId, CancellationToken cancellationToken) =>
        await Store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false)
        ?? throw new TokenkeeperConfigurationException($"The store has no connection '{connectionId}'. Register it first.");
}
