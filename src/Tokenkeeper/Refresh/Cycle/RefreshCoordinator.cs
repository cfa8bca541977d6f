using System.Diagnostics;
using Tokenkeeper.Diagnostics;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One refresh of one connection, as a sequence of steps and nothing else (DESIGN.md contracts 4-6; docs/engine.md, "One refresh,
/// file by file"): the cached token if it is good enough already; a peer's stored token if it is newer; the lease; tokens this
/// instance keeps, stored before anything is sent; then the refresh itself; the lease given back on every path.
/// </summary>
internal sealed class RefreshCoordinator(RefreshContext context, TokenAdopter adopter, KeptTokenStorage keptStorage, LeaseAcquirer leases, KeptTokensCommitter keptTokens, GrantRefresher refresher)
{
    /// <summary>Runs a refresh and returns the token callers should use now.</summary>
    /// <param name="source">The connection's source.</param>
    /// <param name="flight">Why, and for whom.</param>
    /// <param name="stopping">Trips when the manager stops: it ends waits (for a lease, between attempts) so nothing new is sent. It
    /// never cancels a token request that may have reached the provider, nor the commit of what that request returned.</param>
    public async Task<ManagedAccessToken> RunAsync(ConnectionTokenSource source, Flight flight, CancellationToken stopping)
    {
        using var activity = TokenkeeperTelemetry.ActivitySource.StartActivity("tokenkeeper.refresh");
        activity?.SetTag("tokenkeeper.connection", source.ConnectionId);
        activity?.SetTag("tokenkeeper.trigger", TagValue.Of(flight.Trigger));
        try
        {
            return await RunStepsAsync(source, flight, activity, stopping).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            if (InfrastructureOutcome(ex) is { } outcome)
            {
                // The failure recorder counts what the provider answered; a cycle our side ended is counted here.
                context.Metrics.RecordRefresh(source.ConnectionId, TagValue.Of(flight.Trigger), outcome, FailureCause.Infrastructure);
            }

            throw;
        }
    }

    /// <summary>The <c>tokenkeeper.refreshes</c> outcome of a cycle our side ended (a store fault: <c>store_unavailable</c>; a lease
    /// that timed out or was lost, a concurrent change: <c>busy</c>), or null for one the provider's answer ended (counted where
    /// it is recorded) or that is no failure of ours.</summary>
    private static string? InfrastructureOutcome(Exception ex) => ex switch
    {
        TokenStoreUnavailableException or Storage.TokenStoreException or System.Data.Common.DbException or IOException => "store_unavailable",
        TokenEndpointUnavailableException { Failure: null, Cause: FailureCause.Infrastructure } => "busy",
        _ => null,
    };

    private async Task<ManagedAccessToken> RunStepsAsync(ConnectionTokenSource source, Flight flight, Activity? activity, CancellationToken stopping)
    {
        // Tokens kept in memory are stored before anything else, even when the cached token would do: their refresh token may be
        // the only live one. Storing them is allowed whatever the connection's state or cooldown; refreshing is not.
        var kept = source.Kept;
        if (kept.Current is null && adopter.CachedIsGoodEnough(source, flight) is { } cached)
        {
            return cached;
        }

        if (flight.Trigger == RefreshTrigger.StoreKept && kept.Current is null)
        {
            return adopter.KeptStored(source); // stored meanwhile: nothing left for this flight to do
        }

        var record = await context.ReadAsync(source.ConnectionId, stopping).ConfigureAwait(false);
        if (kept.Current is null)
        {
            await keptStorage.AdoptBesideAsync(source, record).ConfigureAwait(false);
        }

        if (kept.Current is null)
        {
            if (adopter.TryAdopt(source, record, flight, out var adopted))
            {
                return adopted;
            }

            RefreshGuards.EnsureRefreshable(record, context.Now);
            RefreshGuards.EnsureAttainable(record, flight);
        }

        var acquired = await leases.AcquireAsync(source, flight, stopping).ConfigureAwait(false);
        if (acquired.Adopted is { } adoptedWhileWaiting)
        {
            return adoptedWhileWaiting;
        }

        var lease = acquired.Held!;
        await using (lease.ConfigureAwait(false))
        {
            var underLease = acquired.Record!;
            if (kept.Current is { } uncommitted)
            {
                // Tokens the provider already issued: storing them is never cancelled.
                var (committed, handle) = await keptTokens.CommitAsync(source, flight, underLease, lease, uncommitted, CancellationToken.None).ConfigureAwait(false);
                if (handle is not null && handle.IsUsableAt(context.Now.UtcTicks, flight.MinValidity) && flight.Rejected != handle.Token)
                {
                    return handle;
                }

                if (flight.Trigger == RefreshTrigger.StoreKept)
                {
                    return adopter.KeptStored(source); // storing them is all this flight is for: no refresh nobody asked for
                }

                // Stored (or dropped because the store moved on): serve what is good enough before spending anything.
                if (adopter.CachedIsGoodEnough(source, flight) is { } stillGood)
                {
                    return stillGood;
                }

                if (kept.Current is null && adopter.TryAdopt(source, committed, flight, out var adoptedAfterCommit))
                {
                    return adoptedAfterCommit;
                }

                underLease = committed;
            }

            RefreshGuards.EnsureRefreshable(underLease, context.Now);
            RefreshGuards.EnsureAttainable(underLease, flight);
            var token = await refresher.RefreshAsync(source, flight, underLease, lease, stopping).ConfigureAwait(false);
            activity?.SetTag("tokenkeeper.outcome", "success"); // the refresh step ran (a token served before it is no outcome of one)
            return token;
        }
    }
}
