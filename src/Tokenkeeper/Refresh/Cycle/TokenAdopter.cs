using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// The only code that publishes tokens to a connection's cache: a stored token newer than the cached one (a peer's refresh, or
/// the first load), the token a refresh just committed, or the cached token itself when a flight finds it good enough already.
/// </summary>
internal sealed class TokenAdopter(RefreshContext context)
{
    /// <summary>Adopts the stored token when it is new to this instance, not the rejected one, and usable for the flight.</summary>
    /// <param name="source">The connection's source.</param>
    /// <param name="record">The record just read.</param>
    /// <param name="flight">The flight (its rejected token is never adopted; its minimum validity must be met).</param>
    /// <param name="adopted">The adopted token.</param>
    /// <param name="loading">Whether this is the first load of the cache (not counted as an adoption).</param>
    public bool TryAdopt(ConnectionTokenSource source, ConnectionRecord record, Flight flight, out ManagedAccessToken adopted, bool loading = false)
    {
        adopted = null!;
        if (record.Tokens is not { AccessToken.IsEmpty: false } tokens || !record.Status.IsUsable)
        {
            return false;
        }

        if ((flight.Rejected is { } bad && tokens.AccessToken == bad) || source.Current?.Token == tokens.AccessToken)
        {
            return false;
        }

        var candidate = context.HandleOf(record);
        if (!candidate.IsUsableAt(context.Now.UtcTicks, flight.MinValidity) || !source.Publish(candidate, flight.Epoch))
        {
            return false;
        }

        if (!loading)
        {
            context.Metrics.RecordRefresh(record.ConnectionId, TagValue.Of(flight.Trigger), "adopted");
            Log.Adopted(context.Logger, record.ConnectionId, candidate.Fingerprint, record.Version);
        }

        adopted = candidate;
        return true;
    }

    /// <summary>
    /// The cached token, when a flight started just after another one published it: not the rejected token, and fresh (before its
    /// refresh-ahead point) or, for callers that only need a usable token, before its usable-until point.
    /// </summary>
    public ManagedAccessToken? CachedIsGoodEnough(ConnectionTokenSource source, Flight flight)
    {
        if (flight.Trigger is RefreshTrigger.Forced or RefreshTrigger.KeepAlive || source.Current is not { } current || (flight.Rejected is { } bad && current.Token == bad))
        {
            return null;
        }

        var now = context.Now.UtcTicks;
        var goodEnough = flight.Trigger == RefreshTrigger.RefreshAhead ? now < current.RefreshAheadAtTicks : current.IsUsableAt(now, flight.MinValidity);
        return goodEnough ? current : null;
    }

    /// <summary>Publishes what a refresh just committed, if the connection may serve it and was not re-authorised or switched
    /// since the flight began.</summary>
    public ManagedAccessToken PublishCommitted(ConnectionTokenSource source, ConnectionRecord committed, Flight flight)
    {
        RefreshGuards.ThrowIfNotUsable(committed);
        var handle = context.HandleOf(committed);
        return source.Publish(handle, flight.Epoch)
            ? handle
            : throw new TokenEndpointUnavailableException(committed.ConnectionId, $"Connection '{committed.ConnectionId}' was re-authorised or reconfigured during the refresh; ask again.", null, cause: FailureCause.Infrastructure);
    }

    /// <summary>What a background flight that stored kept tokens answers: the cached token (a caller that joined it and finds it not
    /// usable starts a flight of its own), or, with none cached, a failure that may be retried at once.</summary>
    public ManagedAccessToken KeptStored(ConnectionTokenSource source) =>
        source.Current ?? throw new TokenEndpointUnavailableException(source.ConnectionId, $"Connection '{source.ConnectionId}': kept tokens were stored; ask again for a token.", null, context.Now, cause: FailureCause.Infrastructure);
}
