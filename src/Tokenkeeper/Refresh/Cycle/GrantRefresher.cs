using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One refresh under the lease (DESIGN.md contracts 5 and 6): settles a refresh left in doubt first, sends the grant
/// (<see cref="RequestSender"/>), then commits what came back (<see cref="SuccessCommitter"/>) or records the failure its
/// <see cref="OutcomeClassifier"/> outcome calls for (<see cref="FailureRecorder"/>). Once a request may have reached the provider
/// nothing here is cancelled: <c>stopping</c> only ends the waits between attempts, and everything after a send runs to completion.
/// </summary>
internal sealed class GrantRefresher(RefreshContext context, InDoubtResolver doubts, RequestSender sender, SuccessCommitter successes, FailureRecorder failures, TokenAdopter adopter)
{
    /// <summary>A refused grant whose record now holds another refresh token (stored by a peer or an operator while this cycle
    /// sent a stale one): worth one more try with that one, else a permanent failure for <see cref="Reason"/>.</summary>
    private sealed record StaleGrant(ConnectionRecord Latest, string Reason, string? Detail);

    /// <summary>What one try ended with: the token, or a stale grant to try again.</summary>
    private readonly record struct Step(ManagedAccessToken? Token, StaleGrant? Stale);

    /// <summary>Refreshes <paramref name="record"/> under <paramref name="lease"/> and returns the token callers should use now.</summary>
    public async Task<ManagedAccessToken> RefreshAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, HeldLease lease, CancellationToken stopping)
    {
        var step = await TryAsync(source, flight, record, lease, stopping).ConfigureAwait(false);
        if (step.Stale is { } stale)
        {
            // The refresh token just refused was stale: try once with the one the store holds now.
            step = await TryAsync(source, flight, stale.Latest, lease, stopping).ConfigureAwait(false);
            if (step.Stale is { } again)
            {
                return await failures.FailPermanentlyAsync(source, flight, again.Latest, lease.Lease, again.Reason, again.Detail).ConfigureAwait(false);
            }
        }

        return step.Token!;
    }

    private async Task<Step> TryAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, HeldLease lease, CancellationToken stopping)
    {
        var id = record.ConnectionId;
        var registration = record.Registration;
        var profile = context.ProfileOf(id, registration);
        var clientKey = TokenRequestFactory.ClientKey(registration, profile);
        if (context.ClientHealth.Find(clientKey, context.Now) is { } rejection)
        {
            if (record.Status.Since <= rejection.At && !(record.LastRefreshAt > rejection.At))
            {
                // Nothing is sent: an intent from an earlier request stays as it is.
                return Done(await failures.FailMisconfiguredAsync(source, flight, record, lease.Lease, StateReasons.InvalidClient, rejection.Why, keepIntent: true, rejection.Until).ConfigureAwait(false));
            }

            context.ClientHealth.Clear(clientKey); // the store moved on since (enabled, reconfigured, refreshed elsewhere): ask again
        }

        var spent = record.Tokens?.RefreshToken;
        TokenEndpointRequest request;
        try
        {
            // Build the request once before anything is recorded: a bad key or endpoint is a configuration error, not a refresh.
            request = context.Requests.Create(registration, profile, spent);
        }
        catch (TokenkeeperConfigurationException ex)
        {
            return Done(await failures.FailMisconfiguredAsync(source, flight, record, lease.Lease, StateReasons.ConfigurationError, ex.Message, keepIntent: true, context.Now + RefreshConstants.MisconfiguredRetryWait).ConfigureAwait(false));
        }

        var now = context.Now;
        var (firstSent, inDoubt, resending) = (now, false, false);
        if (registration.Grant == OAuthGrantType.RefreshToken && record.PendingRefresh is { } pending && pending.Generation == record.RefreshTokenGeneration)
        {
            // An earlier request with this refresh token has no known outcome (a lost answer, a killed process): settle that first.
            var decision = await doubts.SettleAsync(record, pending, request, profile).ConfigureAwait(false);
            switch (decision.Verdict)
            {
                case LostAnswerVerdict.Resend when decision.TokenActive == true:
                    resending = true; // the lost request never spent the token: nothing is in doubt any more
                    break;
                case LostAnswerVerdict.Resend:
                    (firstSent, inDoubt, resending) = (pending.StartedAt, true, true); // the grace window counts from the first send
                    break;
                case LostAnswerVerdict.WaitToIntrospect:
                    throw await failures.WaitInDoubtAsync(flight, record, lease.Lease, decision).ConfigureAwait(false);
                default:
                    var reason = OutcomeClassifier.GiveUpReason(decision.TokenActive, RefreshTokenDeadlines.HasPassed(record, profile, context.Now));
                    return Done(await failures.FailPermanentlyAsync(source, flight, record, lease.Lease, reason, InDoubtResolver.LostDetail(pending, decision)).ConfigureAwait(false));
            }
        }

        var send = new SendState(record, lease, firstSent) { InFlightUntil = now, InDoubt = inDoubt, Resending = resending };
        Log.RefreshStarted(context.Logger, id, TagValue.Of(flight.Trigger), source.Current?.Fingerprint ?? TokenFingerprint.None);
        var sent = await sender.SendAsync(send, request, profile, clientKey, stopping).ConfigureAwait(false);
        switch (sent.End)
        {
            case SendEnd.Stopped:
                throw AcquisitionErrors.Stopping(id);
            case SendEnd.LeaseLost:
                // Another instance took over; it re-reads the record before it sends anything. Do not commit a failure over its work.
                throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refresh lease was lost mid-refresh; another instance continues.", null, cause: FailureCause.Infrastructure);
        }

        return await AnsweredAsync(source, flight, send, sent.Answer!, spent, profile, clientKey).ConfigureAwait(false);
    }

    /// <summary>Commits or records what the last answer calls for.</summary>
    private async Task<Step> AnsweredAsync(ConnectionTokenSource source, Flight flight, SendState send, TokenResult answer, RefreshToken? spent, ProviderProfile profile, string clientKey)
    {
        var working = send.Working;
        var id = working.ConnectionId;
        var lease = send.Lease.Lease;
        var spendsRefreshToken = working.Registration.Grant == OAuthGrantType.RefreshToken;
        var failure = answer.Failure;
        var detail = failure?.Description ?? failure?.Message;
        switch (OutcomeClassifier.Classify(answer, spendsRefreshToken, send.InDoubt))
        {
            case RefreshOutcome.Commit:
                return Done(await successes.CommitAsync(source, flight, working, lease, answer.Tokens!, spent, send.InDoubt, CancellationToken.None).ConfigureAwait(false));

            case RefreshOutcome.Salvage:
                // The refresh token sent is dead: keep the new one, then fail like any garbled answer; the next cycle spends it.
                working = await successes.SalvageAsync(source, flight, working, lease, answer.RotatedRefreshToken!.Value, spent, CancellationToken.None).ConfigureAwait(false);
                throw await failures.FailTransientlyAsync(flight, working, lease, failure!, keepInDoubt: false).ConfigureAwait(false);

            case RefreshOutcome.GrantRefused:
                return await GrantRefusedAsync(source, flight, send, spent, profile, detail).ConfigureAwait(false);

            case RefreshOutcome.ClientRejected:
                // The provider refused the client before it looked at the grant: the refresh token was not spent.
                var until = context.Now + RefreshConstants.MisconfiguredRetryWait;
                context.ClientHealth.MarkRejected(clientKey, detail!, context.Now, until);
                return Done(await failures.FailMisconfiguredAsync(source, flight, working, lease, StateReasons.InvalidClient, detail, keepIntent: send.InDoubt, until).ConfigureAwait(false));

            case RefreshOutcome.Misconfigured:
                return Done(await failures.FailMisconfiguredAsync(source, flight, working, lease, StateReasons.ConfigurationError, detail, keepIntent: send.InDoubt, context.Now + RefreshConstants.MisconfiguredRetryWait).ConfigureAwait(false));

            case RefreshOutcome.InDoubt:
                // The answer may have been lost after the provider acted: decide as for any refresh in doubt.
                var decision = doubts.Decide(working.Registration, profile, send.FirstSent, send.InFlightUntil);
                Log.InDoubtDecision(context.Logger, id, decision.Verdict.ToString(), decision.Why);
                if (decision.Verdict == LostAnswerVerdict.GiveUp)
                {
                    var lost = working.PendingRefresh ?? new RefreshIntent(working.RefreshTokenGeneration, spent?.Fingerprint ?? TokenFingerprint.None, send.FirstSent, context.InstanceId, ResponseLost: true);
                    return Done(await failures.FailPermanentlyAsync(source, flight, working, lease, StateReasons.RotationLostInFlight, InDoubtResolver.LostDetail(lost, decision, failure)).ConfigureAwait(false));
                }

                throw await failures.FailTransientlyAsync(flight, working, lease, failure!, keepInDoubt: true, decision.NotBefore).ConfigureAwait(false);

            default:
                throw await failures.FailTransientlyAsync(flight, working, lease, failure!, keepInDoubt: false).ConfigureAwait(false);
        }
    }

    /// <summary><c>invalid_grant</c>: re-read the record. A connection re-marked or disabled-and-re-authorised meanwhile is left
    /// alone; a peer's newer refresh token is adopted or tried once; otherwise the grant needs a person.</summary>
    private async Task<Step> GrantRefusedAsync(ConnectionTokenSource source, Flight flight, SendState send, RefreshToken? spent, ProviderProfile profile, string? detail)
    {
        var working = send.Working;
        var lease = send.Lease.Lease;
        var latest = await context.ReadAsync(working.ConnectionId, CancellationToken.None).ConfigureAwait(false);
        var disabledSameGrant = latest.Status.State == ConnectionState.Disabled && latest.RefreshTokenGeneration == working.RefreshTokenGeneration;
        if (!latest.Status.IsUsable && !disabledSameGrant)
        {
            // Leave its state alone, clear our intent, say what it is. Disabled with the same grant goes on below: the verdict is
            // kept for when it is enabled.
            await failures.ClearIntentAsync(latest, lease).ConfigureAwait(false);
            RefreshGuards.ThrowIfNotUsable(latest);
        }

        var reason = OutcomeClassifier.RefusedGrantReason(send.InDoubt, RefreshTokenDeadlines.HasPassed(latest, profile, context.Now));
        if (working.Registration.Grant == OAuthGrantType.RefreshToken && latest.Tokens?.RefreshToken is { } stored && stored != spent)
        {
            // A peer (or an operator) stored another refresh token while we held a stale one: theirs is the live one.
            return adopter.TryAdopt(source, latest, flight, out var adopted) ? Done(adopted) : new Step(null, new StaleGrant(latest, reason, detail));
        }

        return Done(await failures.FailPermanentlyAsync(source, flight, latest, lease, reason, detail).ConfigureAwait(false));
    }

    private static Step Done(ManagedAccessToken token) => new(token, null);
}
