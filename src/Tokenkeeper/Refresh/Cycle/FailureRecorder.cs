using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Records a failed refresh in the store, never over credentials or over another writer's newer state (DESIGN.md contract 5),
/// and says what the caller gets: a back-off for what may pass, <see cref="ConnectionState.ReconnectRequired"/> for what needs a
/// person, or the refresh intent kept for a refresh still in doubt.
/// </summary>
internal sealed class FailureRecorder(RefreshContext context, VersionedCommitter committer, TokenAdopter adopter)
{
    /// <summary>Records a failed cycle that may pass (a back-off, <see cref="ConnectionState.Degraded"/>, a <c>refresh_failed</c>
    /// event) and returns what the caller gets.</summary>
    /// <param name="flight">The flight (its trigger is recorded).</param>
    /// <param name="working">The record the refresh ran on.</param>
    /// <param name="lease">The lease the commit is fenced on.</param>
    /// <param name="failure">What went wrong.</param>
    /// <param name="keepInDoubt">Keep the refresh intent, marked as a lost answer (a refresh still in doubt).</param>
    /// <param name="notBefore">The earliest next attempt whatever the back-off says (when a refresh in doubt may be settled).</param>
    public async Task<TokenEndpointUnavailableException> FailTransientlyAsync(Flight flight, ConnectionRecord working, StoreLease lease, TokenEndpointFailure failure, bool keepInDoubt, DateTimeOffset? notBefore = null)
    {
        var id = working.ConnectionId;
        var now = context.Now;
        if (keepInDoubt && failure.Unreachable)
        {
            // Only the last attempt could not connect; an earlier one of this refresh may have reached the provider.
            failure = failure with { Unreachable = false };
        }

        var profile = context.ProfileOf(id, working.Registration);
        var next = RecordTransitions.FailedTransiently(working, failure, keepInDoubt, context.Timings, profile, notBefore, now);
        var events = RefreshEvents.FailedTransiently(working, next, failure, now);
        var committed = await committer.CommitAsync(working, next, lease, events, CommitKind.Failure, CancellationToken.None, merge: latest =>
        {
            if (latest.RefreshTokenGeneration != working.RefreshTokenGeneration || !latest.Status.IsUsable)
            {
                return null;
            }

            var merged = RecordTransitions.FailedTransiently(latest, failure, keepInDoubt, context.Timings, context.ProfileOf(id, latest.Registration), notBefore, now);
            return (merged, RefreshEvents.Merged(events, latest, merged, now, failure));
        }).ConfigureAwait(false);

        var final = committed ?? next;
        context.Metrics.RecordRefresh(id, TagValue.Of(flight.Trigger), TagValue.Of(failure.Kind), FailureCauses.Of(failure));
        Log.RefreshFailed(context.Logger, id, failure.ToString(), final.ConsecutiveFailures, final.NextAttemptAt ?? now, FailureCauses.Name(FailureCauses.Of(failure)));
        return new TokenEndpointUnavailableException(id, $"Connection '{id}': refresh failed: {failure.Message}", failure, final.NextAttemptAt);
    }

    /// <summary>A refresh in doubt that must wait (for introspection to be meaningful, or for the provider to answer it): keep the
    /// intent, send nothing, try again at <see cref="LostAnswerDecision.NotBefore"/>.</summary>
    public Task<TokenEndpointUnavailableException> WaitInDoubtAsync(Flight flight, ConnectionRecord record, StoreLease lease, LostAnswerDecision decision)
    {
        var failure = new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "refresh in doubt: " + decision.Why };
        return FailTransientlyAsync(flight, record, lease, failure, keepInDoubt: true, decision.NotBefore);
    }

    /// <summary>
    /// Records a failed cycle that needs a person (<see cref="ConnectionState.ReconnectRequired"/> with its reason and a
    /// <c>reconnect_required</c> alert) and throws the typed exception for it. A connection disabled meanwhile stays disabled and
    /// keeps the verdict for when it is enabled; one that changed otherwise (re-authorised, already marked) is reported as it is
    /// now, and its new token is served if it has a usable one.
    /// </summary>
    public async Task<ManagedAccessToken> FailPermanentlyAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, string reason, string? detail)
    {
        var id = record.ConnectionId;
        var now = context.Now;
        if (!record.Status.IsUsable && record.Status.State != ConnectionState.Disabled)
        {
            await ClearIntentAsync(record, lease).ConfigureAwait(false);
            RefreshGuards.ThrowIfNotUsable(record);
        }

        static bool Open(ConnectionRecord r) => r.Status.IsUsable || r.Status.State == ConnectionState.Disabled;
        var next = RecordTransitions.FailedPermanently(record, reason, detail, now);
        var events = RefreshEvents.FailedPermanently(record, next, reason, detail, now);
        var committed = await committer.CommitAsync(record, next, lease, events, CommitKind.Failure, CancellationToken.None, merge: latest =>
        {
            if (latest.RefreshTokenGeneration != record.RefreshTokenGeneration || !Open(latest))
            {
                return null;
            }

            var merged = RecordTransitions.FailedPermanently(latest, reason, detail, now);
            return (merged, RefreshEvents.FailedPermanently(latest, merged, reason, detail, now));
        }).ConfigureAwait(false);

        if (committed is null)
        {
            // The connection changed meanwhile (re-authorised, disabled, already marked): report what it is now.
            var latest = await context.ReadAsync(id, CancellationToken.None).ConfigureAwait(false);
            RefreshGuards.ThrowIfNotUsable(latest);
            return adopter.TryAdopt(source, latest, flight, out var adopted)
                ? adopted
                : throw new TokenEndpointUnavailableException(id, $"Connection '{id}' changed during the refresh; ask again.", null, cause: FailureCause.Infrastructure);
        }

        source.Invalidate();
        context.Metrics.RecordRefresh(id, TagValue.Of(flight.Trigger), reason, FailureCauses.OfStateReason(reason) ?? FailureCause.Credential);
        Log.ReconnectRequired(context.Logger, id, reason, detail);
        RefreshGuards.ThrowIfNotUsable(committed);
        throw new ReconnectRequiredException(id, reason, detail);
    }

    /// <summary>
    /// Records a client or request the provider rejected (<see cref="RecordTransitions.Misconfigured"/>: Degraded with its reason, a
    /// <c>refresh_failed</c> event naming it) and throws <see cref="ConnectionMisconfiguredException"/>: the grant is not dead, so
    /// the cached access token stays usable and a corrected registration brings the connection back without consent.
    /// </summary>
    /// <param name="source">The connection's source.</param>
    /// <param name="flight">The flight (its trigger is recorded).</param>
    /// <param name="record">The record the refresh ran on.</param>
    /// <param name="lease">The lease the commit is fenced on.</param>
    /// <param name="reason"><see cref="StateReasons.InvalidClient"/> or <see cref="StateReasons.ConfigurationError"/>.</param>
    /// <param name="detail">What the provider (or the local check) said.</param>
    /// <param name="keepIntent">Keep the refresh intent: an earlier request's answer is still in doubt.</param>
    /// <param name="until">When the same configuration may be sent again (the provider's rejection plus
    /// <see cref="RefreshConstants.MisconfiguredRetryWait"/>).</param>
    public async Task<ManagedAccessToken> FailMisconfiguredAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, string reason, string? detail, bool keepIntent, DateTimeOffset until)
    {
        var id = record.ConnectionId;
        var now = context.Now;
        if (!record.Status.IsUsable && record.Status.State != ConnectionState.Disabled)
        {
            await ClearIntentAsync(record, lease).ConfigureAwait(false);
            RefreshGuards.ThrowIfNotUsable(record);
        }

        var failure = new TokenEndpointFailure { Kind = reason == StateReasons.InvalidClient ? TokenFailureKind.InvalidClient : TokenFailureKind.InvalidRequest, Message = detail ?? reason };
        var next = RecordTransitions.Misconfigured(record, reason, detail, keepIntent, until, now);
        var events = RefreshEvents.Misconfigured(record, next, reason, detail, failure, now);
        var committed = await committer.CommitAsync(record, next, lease, events, CommitKind.Failure, CancellationToken.None, merge: latest =>
        {
            // A registration corrected meanwhile (another process registered a new secret) was never sent: the verdict is not its.
            if (latest.RefreshTokenGeneration != record.RefreshTokenGeneration || !(latest.Status.IsUsable || latest.Status.State == ConnectionState.Disabled)
                || !latest.Registration.SameAs(record.Registration))
            {
                return null;
            }

            var merged = RecordTransitions.Misconfigured(latest, reason, detail, keepIntent, until, now);
            return (merged, RefreshEvents.Misconfigured(latest, merged, reason, detail, failure, now));
        }).ConfigureAwait(false);

        if (committed is null)
        {
            // The connection changed meanwhile (a corrected registration, a new grant): the verdict is not its. The request was
            // answered without being processed, so unless an earlier one is still in doubt, this instance's intent goes.
            var latest = await context.ReadAsync(id, CancellationToken.None).ConfigureAwait(false);
            if (!keepIntent)
            {
                await ClearIntentAsync(latest, lease).ConfigureAwait(false);
            }

            RefreshGuards.ThrowIfNotUsable(latest);
            return adopter.TryAdopt(source, latest, flight, out var adopted)
                ? adopted
                : throw new TokenEndpointUnavailableException(id, $"Connection '{id}' changed during the refresh; ask again.", null, cause: FailureCause.Infrastructure);
        }

        context.Metrics.RecordRefresh(id, TagValue.Of(flight.Trigger), reason, FailureCause.ClientConfiguration);
        Log.ClientMisconfigured(context.Logger, id, record.Registration.ClientId, reason, detail);
        RefreshGuards.ThrowIfNotUsable(committed);
        throw new ConnectionMisconfiguredException(id, record.Registration.ClientId, reason, detail, until);
    }

    /// <summary>Removes this instance's refresh intent from a record whose state is someone else's to decide.</summary>
    public async Task ClearIntentAsync(ConnectionRecord record, StoreLease lease)
    {
        if (record.PendingRefresh is { } intent && intent.Owner == context.InstanceId)
        {
            await committer.CommitAsync(record, record with { PendingRefresh = null }, lease, null, CommitKind.Failure, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
