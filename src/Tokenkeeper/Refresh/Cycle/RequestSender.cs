using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>How a cycle's sending ended.</summary>
internal enum SendEnd
{
    /// <summary>A request was answered (or failed) and no further attempt is allowed: <see cref="SendResult.Answer"/> is the last.</summary>
    Answered,

    /// <summary>The manager began stopping before anything was sent: nothing reached the provider.</summary>
    Stopped,

    /// <summary>The lease was lost before a request left: another instance took over and re-reads the record before it sends.</summary>
    LeaseLost,
}

/// <summary>How a cycle's sending ended, and with which answer.</summary>
internal readonly record struct SendResult(SendEnd End, TokenResult? Answer);

/// <summary>
/// Sends a cycle's token request (DESIGN.md contracts 5 and 6): within the client's rate limit, retrying what can pass
/// (transient, rate limited, garbled) with jittered exponential backoff or the provider's <c>Retry-After</c>. Right before each
/// send the refresh intent is recorded and the lease renewed to cover the whole request; an answer that proves the provider did
/// not act clears the intent again, so only a request whose fate is truly unknown leaves one behind. A request that may have
/// been processed is sent again only when <see cref="LostAnswerPolicy"/> allows it. Once a request may reach the provider nothing
/// here cancels it; stopping ends the wait before the next attempt, and that attempt is not sent.
/// </summary>
internal sealed class RequestSender(RefreshContext context, InDoubtResolver doubts, VersionedCommitter committer)
{
    private enum Readiness
    {
        Ready,
        Stopping,
        LeaseLost,
    }

    /// <summary>Sends <paramref name="request"/> until it is answered, may not be tried again, or the manager stops.</summary>
    public async Task<SendResult> SendAsync(SendState send, TokenEndpointRequest request, ProviderProfile profile, string clientKey, CancellationToken stopping)
    {
        var id = send.Working.ConnectionId;
        var registration = send.Working.Registration;
        var spendsRefreshToken = registration.Grant == OAuthGrantType.RefreshToken;
        TokenResult? last = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await context.RateLimiter.AcquireAsync(clientKey, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return Ended(last);
            }

            // From here on nothing of ours cancels: the request may reach the provider, and what it returns must be committed.
            switch (await ReadyToSendAsync(send, request.RefreshToken, spendsRefreshToken, stopping).ConfigureAwait(false))
            {
                case Readiness.Stopping:
                    return Ended(last);
                case Readiness.LeaseLost:
                    return new SendResult(SendEnd.LeaseLost, last);
            }

            send.Attempts = attempt;
            if (attempt > 1 || send.Resending)
            {
                context.Metrics.RecordTokenRetry(id);
            }

            var started = context.Time.GetTimestamp();
            var outcome = await context.Client.RequestTokenAsync(attempt == 1 ? request : context.Requests.Create(registration, profile, request.RefreshToken), CancellationToken.None).ConfigureAwait(false);
            context.Metrics.RecordEndpoint(TagValue.Of(registration.Grant), outcome.IsSuccess ? "success" : TagValue.Of(outcome.Failure.Kind), context.Time.GetElapsedTime(started));
            last = outcome;
            if (outcome.IsSuccess)
            {
                return new SendResult(SendEnd.Answered, outcome);
            }

            var failure = outcome.Failure;
            Log.AttemptFailed(context.Logger, id, attempt, failure.ToString());
            if (failure.MaybeProcessed)
            {
                send.InDoubt = true;
            }
            else if (spendsRefreshToken && !send.InDoubt)
            {
                // The provider answered without acting: nothing is in doubt, and no peer or later run may take it for a lost answer.
                await ClearOwnIntentAsync(send, withoutLease: false).ConfigureAwait(false);
            }

            if (attempt >= context.Options.MaxAttempts || outcome.RotatedRefreshToken is not null || !failure.IsRetryable
                || failure.RetryAfter > context.Options.MaxRetryAfterInCycle
                || (spendsRefreshToken && send.InDoubt && doubts.Decide(registration, profile, send.FirstSent, send.InFlightUntil).Verdict != LostAnswerVerdict.Resend))
            {
                return new SendResult(SendEnd.Answered, outcome);
            }

            try
            {
                await Task.Delay(context.Timings.RetryDelay(attempt, failure.RetryAfter), context.Time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return new SendResult(SendEnd.Answered, outcome);
            }
        }
    }

    private static SendResult Ended(TokenResult? last) => last is null ? new SendResult(SendEnd.Stopped, null) : new SendResult(SendEnd.Answered, last);

    /// <summary>
    /// Gets a request ready to leave: records the refresh intent (contract 6) with the time it is sent and how long it may be in
    /// flight, then makes sure the lease covers a whole request window from now. A store slow enough that this took longer than
    /// <see cref="RefreshConstants.IntentFreshness"/> does both again, so the intent's window and the lease always cover the
    /// request (a peer never takes it for a lost answer while it may be at the provider). When the manager began stopping
    /// meanwhile, or the lease was lost, the intent is cleared again (unless a request already sent is in doubt), and nothing is sent.
    /// </summary>
    private async Task<Readiness> ReadyToSendAsync(SendState send, RefreshToken? refreshToken, bool spendsRefreshToken, CancellationToken stopping)
    {
        while (true)
        {
            var stampedAt = context.Now;
            if (spendsRefreshToken)
            {
                var working = send.Working;
                var inFlightUntil = stampedAt + context.Timings.RequestWindow;
                var intent = new RefreshIntent(working.RefreshTokenGeneration, refreshToken?.Fingerprint ?? TokenFingerprint.None, send.FirstSent, context.InstanceId, ResponseLost: send.InDoubt, inFlightUntil);
                send.Working = await committer.CommitAsync(working, working with { LastAttemptAt = stampedAt, PendingRefresh = intent }, send.Lease.Lease, null, CommitKind.Intent, CancellationToken.None).ConfigureAwait(false)
                    ?? throw new TokenEndpointUnavailableException(working.ConnectionId, $"Connection '{working.ConnectionId}': the store refused the refresh intent (concurrent change); try again.", null, cause: FailureCause.Infrastructure);
                send.InFlightUntil = inFlightUntil;
            }

            if (stopping.IsCancellationRequested)
            {
                if (spendsRefreshToken && !send.InDoubt)
                {
                    await ClearOwnIntentAsync(send, withoutLease: false).ConfigureAwait(false);
                }

                return Readiness.Stopping;
            }

            if (!await send.Lease.KeepAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (spendsRefreshToken && !send.InDoubt)
                {
                    // Nothing was sent: take the intent back if nobody has written since (a version-only commit).
                    await ClearOwnIntentAsync(send, withoutLease: true).ConfigureAwait(false);
                }

                return Readiness.LeaseLost;
            }

            if (context.Now - stampedAt <= RefreshConstants.IntentFreshness && send.Lease.CoversARequest)
            {
                return Readiness.Ready;
            }
        }
    }

    /// <summary>Clears this instance's intent after an answer that proves the provider did not act on the request. A store that
    /// fails here is logged, not fatal: the next attempt records the intent again anyway.</summary>
    private async Task ClearOwnIntentAsync(SendState send, bool withoutLease)
    {
        try
        {
            send.Working = await committer.CommitAsync(send.Working, send.Working with { PendingRefresh = null }, withoutLease ? null : send.Lease.Lease, null, CommitKind.Intent, CancellationToken.None).ConfigureAwait(false) ?? send.Working;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CommitConflict(context.Logger, send.Working.ConnectionId, "clearing the refresh intent failed: " + ex.GetType().Name, TokenFingerprint.None);
        }
    }
}
