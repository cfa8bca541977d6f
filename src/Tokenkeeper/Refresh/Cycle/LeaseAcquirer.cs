using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>How waiting for a connection's lease ended: the lease held (with the record read under it), or a peer's tokens
/// adopted meanwhile (nothing to refresh).</summary>
internal readonly record struct LeaseAcquisition(HeldLease? Held, ConnectionRecord? Record, ManagedAccessToken? Adopted);

/// <summary>
/// Takes a connection's refresh lease (DESIGN.md contract 4) and re-reads the record under it, adopting a peer's result while it
/// waits. A lease left by a dead process of this machine is taken over at once. A record whose refresh intent belongs to another
/// live instance and may still be in flight means that instance may still be waiting for its answer: the lease is given back and
/// the wait goes on, so the same refresh token is never sent twice on purpose. Waits end when <c>cancellationToken</c> trips.
/// </summary>
internal sealed class LeaseAcquirer(RefreshContext context, TokenAdopter adopter)
{
    public async Task<LeaseAcquisition> AcquireAsync(ConnectionTokenSource source, Flight flight, CancellationToken cancellationToken)
    {
        var id = source.ConnectionId;
        var timings = context.Timings;
        var patience = timings.LeasePatience;
        var deadline = context.Now + patience;
        var delay = timings.FirstLeasePoll;
        while (true)
        {
            if (await TryTakeAsync(id, cancellationToken).ConfigureAwait(false) is { } held)
            {
                var (acquired, ownerWaitEnds) = await UnderLeaseAsync(source, flight, held, cancellationToken).ConfigureAwait(false);
                if (acquired is { } done)
                {
                    return done;
                }

                if (ownerWaitEnds is { } ends && ends > deadline)
                {
                    // A live owner's refresh is left to it for a bounded time; this caller waits that out rather than fail
                    // every time it asks (a peer that asks once per process would otherwise never settle it).
                    deadline = ends;
                }
            }

            context.Metrics.RecordLeaseWait(id);
            if (context.Now >= deadline)
            {
                throw new TokenEndpointUnavailableException(id, $"Connection '{id}': another instance has held the refresh for over {patience.TotalSeconds:0} s.", null, context.Now + delay, cause: FailureCause.Infrastructure);
            }

            await Task.Delay(timings.Jittered(delay), context.Time, cancellationToken).ConfigureAwait(false);
            delay = timings.NextLeasePoll(delay);
            var latest = await context.ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (source.Kept.Current is null)
            {
                if (adopter.TryAdopt(source, latest, flight, out var adoptedWhileWaiting))
                {
                    return new LeaseAcquisition(null, null, adoptedWhileWaiting);
                }

                RefreshGuards.EnsureRefreshable(latest, context.Now);
            }
        }
    }

    /// <summary>Takes the lease if it is free, lapsed, or held by a dead process of this machine.</summary>
    private async Task<HeldLease?> TryTakeAsync(string id, CancellationToken cancellationToken)
    {
        var store = context.Store;
        var lease = await store.TryAcquireLeaseAsync(id, context.InstanceId, context.Timings.LeaseSpan, cancellationToken).ConfigureAwait(false);
        if (lease is null && await store.GetLeaseAsync(id, cancellationToken).ConfigureAwait(false) is { } held && LeaseOwners.IsDeadLocalProcess(held.Owner))
        {
            // The holder died mid-refresh (killed): take over now. Its intent stays in the record, so this refresh is in doubt.
            Log.LeaseTakenOver(context.Logger, id, held.Owner);
            lease = await store.TryAcquireLeaseAsync(id, context.InstanceId, context.Timings.LeaseSpan, cancellationToken, takeOverFrom: held.Owner).ConfigureAwait(false);
        }

        return lease is null ? null : new HeldLease(context, lease);
    }

    /// <summary>Under the lease: adopt a peer's tokens, or keep the lease unless another instance's request may be in flight or is
    /// left to its live owner (then give it back and wait: with when a live owner's wait ends, if that is why). The lease is
    /// released on every path that does not return it.</summary>
    private async Task<(LeaseAcquisition? Acquired, DateTimeOffset? OwnerWaitEnds)> UnderLeaseAsync(ConnectionTokenSource source, Flight flight, HeldLease held, CancellationToken cancellationToken)
    {
        try
        {
            var record = await context.ReadAsync(source.ConnectionId, cancellationToken).ConfigureAwait(false);
            var kept = source.Kept.Current;
            if (kept is null && adopter.TryAdopt(source, record, flight, out var adopted))
            {
                await held.DisposeAsync().ConfigureAwait(false);
                return (new LeaseAcquisition(null, null, adopted), null);
            }

            // Kept tokens that replace the record's refresh token are the outcome of any intent on it: store them at once.
            var waitFor = ForeignIntentWait(source, record);
            if (waitFor is null || (kept is not null && RecordTransitions.StillHolds(record, kept.Generation, kept.Spent)))
            {
                if (kept is null)
                {
                    RefreshGuards.EnsureRefreshable(record, context.Now);
                }

                return (new LeaseAcquisition(held, record, null), null);
            }

            await held.DisposeAsync().ConfigureAwait(false);
            return (null, waitFor.Value.OwnerWaitEnds);
        }
        catch
        {
            await held.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Whether another instance's refresh intent is still its own to settle, and if so until when at most: its request may still be
    /// at the provider (until its in-flight time); or, once it cannot be, its owner is a live process of this machine, for
    /// <see cref="RefreshConstants.LiveOwnerPatience"/> from when this instance first saw the intent (<c>OwnerWaitEnds</c>). That
    /// owner holds the answer in memory if the store would not take it (a store outage, a lease that lapsed because the store was
    /// busy) and stores it within seconds of the store coming back; settling its intent as a lost answer meanwhile would mark a
    /// live grant <c>ReconnectRequired</c> for an infrastructure fault. An owner that recorded its answer as lost, a dead one, one
    /// on another machine, or one whose patience is spent is settled under the usual rules. Null: nothing to wait for.
    /// </summary>
    private (DateTimeOffset Until, DateTimeOffset? OwnerWaitEnds)? ForeignIntentWait(ConnectionTokenSource source, ConnectionRecord record)
    {
        if (record.PendingRefresh is not { ResponseLost: false } intent || intent.Owner == context.InstanceId || LeaseOwners.IsDeadLocalProcess(intent.Owner))
        {
            return null;
        }

        var now = context.Now;
        var inFlightUntil = context.Timings.InFlightUntil(intent);
        if (now < inFlightUntil)
        {
            return (inFlightUntil, null);
        }

        if (!LeaseOwners.IsLiveLocalProcess(intent.Owner))
        {
            return null;
        }

        var ends = source.FirstSeen(intent, now) + RefreshConstants.LiveOwnerPatience;
        return now < ends ? (ends, ends) : null;
    }
}
