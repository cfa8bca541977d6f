using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Stores tokens this instance keeps (the store would not take them earlier): under the lease and before any further refresh,
/// since their refresh token may be the only live one; and once more while the manager stops. Tokens the store has moved past
/// (a peer refreshed, the connection was re-authorised) are obsolete and forgotten.
/// </summary>
internal sealed class KeptTokensCommitter(RefreshContext context, SuccessCommitter successes, KeptTokenStorage storage, LeaseAcquirer leases)
{
    /// <summary>Commits <paramref name="kept"/> onto <paramref name="record"/> (read under <paramref name="lease"/>) if nothing moved
    /// on since; forgets them once stored or obsolete. Returns the latest record, and the published token when they were a
    /// refresh's tokens. Throws <see cref="TokenStoreUnavailableException"/> when they are still kept.</summary>
    public async Task<(ConnectionRecord Record, ManagedAccessToken? Handle)> CommitAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, HeldLease lease, UncommittedTokens kept, CancellationToken cancellationToken)
    {
        if (!RecordTransitions.StillHolds(record, kept.Generation, kept.Spent))
        {
            // Someone stored another grant or rotation meanwhile: ours are obsolete.
            await storage.ForgetAsync(source, kept).ConfigureAwait(false);
            return (record, null);
        }

        // Both commits keep the tokens again (as new kept tokens) and throw TokenStoreUnavailableException whenever they could not
        // store a new refresh token while the store still holds the spent one. Any other outcome means the tokens are stored or
        // superseded: forget them. That includes "stored, then not servable" (disabled or re-marked meanwhile): storing them again
        // would move LastRefreshAt, the refresh token's idle clock, with no refresh.
        ManagedAccessToken? handle = null;
        var original = flight with { Trigger = kept.Trigger };
        try
        {
            if (kept.RefreshTokenOnly && kept.Tokens.RefreshToken is { } salvaged)
            {
                // A salvaged refresh token: commit it as what it is (a new generation, no refresh, no event), then refresh with it.
                await successes.SalvageAsync(source, original, record, lease.Lease, salvaged, kept.Spent, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                handle = await successes.CommitAsync(source, original, record, lease.Lease, kept.Tokens, kept.Spent, recoveredInDoubt: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TokenAcquisitionException ex) when (ex is not TokenStoreUnavailableException)
        {
            await storage.ForgetAsync(source, kept).ConfigureAwait(false);
            throw;
        }

        await storage.ForgetAsync(source, kept).ConfigureAwait(false);
        return (await context.ReadAsync(record.ConnectionId, cancellationToken).ConfigureAwait(false), handle);
    }

    /// <summary>
    /// The last attempt, while the manager stops, to store tokens this instance keeps: under the lease, within
    /// <paramref name="window"/>, never refreshing. What cannot be stored stays kept beside a persistent store, where the next
    /// process on this machine takes it over before any refresh.
    /// </summary>
    public async Task StoreAtStopAsync(ConnectionTokenSource source, TimeSpan window)
    {
        if (source.Kept.Current is not { } kept)
        {
            return;
        }

        using var limit = new CancellationTokenSource(window, context.Time);
        try
        {
            var flight = new Flight(RefreshTrigger.StoreKept, null, TimeSpan.Zero, source.Epoch);
            var acquired = await leases.AcquireAsync(source, flight, limit.Token).ConfigureAwait(false);
            if (acquired.Held is { } held)
            {
                await using (held.ConfigureAwait(false))
                {
                    await CommitAsync(source, flight, acquired.Record!, held, kept, limit.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.KeptNotStoredAtStop(context.Logger, source.ConnectionId, kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None, ex.GetType().Name + ": " + ex.Message);
        }

        if (source.Kept.Current is { } still)
        {
            await storage.SaveBesideAsync(source.ConnectionId, still).ConfigureAwait(false);
        }
    }
}
