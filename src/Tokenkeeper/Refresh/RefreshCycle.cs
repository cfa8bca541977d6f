using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One refresh of one connection (DESIGN.md contracts 4-6): take the lease, re-read the record and adopt a peer's tokens if
/// it refreshed first, record the intent, send the grant with jittered retries (renewing the lease right before each send so
/// it always outlasts the request), then either commit the new tokens with compare-and-swap before anyone sees them, or
/// classify the failure without ever overwriting stored credentials.
/// </summary>
internal sealed class RefreshCycle
{
    private readonly TokenManager _manager;
    private readonly ITokenStore _store;
    private readonly TimeProvider _time;
    private readonly TokenManagerOptions _options;
    private readonly TokenkeeperMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Func<double> _jitter;

    public RefreshCycle(TokenManager manager, TokenManagerOptions options, ILogger logger, Func<double>? jitter = null)
    {
        _manager = manager;
        _store = manager.Store;
        _time = manager.TimeProvider;
        _options = options;
        _metrics = manager.Metrics;
        _logger = logger;
        _jitter = jitter ?? Random.Shared.NextDouble;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>A request in flight may take this long: the client's timeout plus a safety margin. Leases always cover it.</summary>
    private TimeSpan RequestWindow => _manager.Client.Timeout + RefreshConstants.LeaseSafetyMargin;

    /// <summary>Leases last the configured duration, and never less than two request windows.</summary>
    private TimeSpan LeaseSpan => _options.LeaseDuration > RequestWindow * 2 ? _options.LeaseDuration : RequestWindow * 2;

    /// <summary>Runs a refresh and returns the token callers should use now.</summary>
    /// <param name="source">The connection's source.</param>
    /// <param name="flight">Why, and for whom.</param>
    /// <param name="stopping">Trips when the manager stops: it ends waits (for a lease, between attempts) so nothing new is sent. It
    /// never cancels a token request that may have reached the provider, nor the commit of what that request returned.</param>
    public async Task<ManagedAccessToken> RunAsync(ConnectionTokenSource source, Flight flight, CancellationToken stopping)
    {
        var cancellationToken = stopping;
        var id = source.ConnectionId;
        using var activity = TokenkeeperTelemetry.ActivitySource.StartActivity("tokenkeeper.refresh");
        activity?.SetTag("tokenkeeper.connection", id);
        activity?.SetTag("tokenkeeper.trigger", TriggerName(flight.Trigger));
        try
        {
            // Tokens kept in memory are stored before anything else, even when the cached token would do: their refresh token
            // may be the only live one. Storing them is allowed whatever the connection's state or cooldown; refreshing is not.
            if (source.Uncommitted is null && CachedIsGoodEnough(source, flight) is { } cached)
            {
                return cached;
            }

            if (flight.Trigger == RefreshTrigger.StoreKept && source.Uncommitted is null)
            {
                return KeptStored(source); // stored meanwhile: nothing left for this flight to do
            }

            var record = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (source.Uncommitted is null)
            {
                await AdoptKeptAsync(source, record).ConfigureAwait(false);
            }

            if (source.Uncommitted is null)
            {
                if (TryAdopt(source, record, flight, out var adopted))
                {
                    return adopted;
                }

                EnsureRefreshable(record);
                EnsureAttainable(record, flight);
            }

            var (lease, underLease, adoptedWhileWaiting) = await AcquireLeaseAsync(source, flight, cancellationToken).ConfigureAwait(false);
            if (adoptedWhileWaiting is not null)
            {
                return adoptedWhileWaiting;
            }

            try
            {
                if (source.Uncommitted is { } uncommitted)
                {
                    // Tokens the provider already issued: storing them is never cancelled.
                    var (committed, handle) = await CommitUncommittedAsync(source, flight, underLease!, lease!, uncommitted, CancellationToken.None).ConfigureAwait(false);
                    if (handle is not null && handle.IsUsableAt(Now.UtcTicks, flight.MinValidity) && flight.Rejected != handle.Token)
                    {
                        return handle;
                    }

                    if (flight.Trigger == RefreshTrigger.StoreKept)
                    {
                        return KeptStored(source); // storing them is all this flight is for: no refresh nobody asked for
                    }

                    // Stored (or dropped because the store moved on): serve what is good enough before spending anything.
                    if (CachedIsGoodEnough(source, flight) is { } stillGood)
                    {
                        return stillGood;
                    }

                    if (source.Uncommitted is null && TryAdopt(source, committed, flight, out var adoptedAfterCommit))
                    {
                        return adoptedAfterCommit;
                    }

                    underLease = committed;
                }

                EnsureRefreshable(underLease!);
                EnsureAttainable(underLease!, flight);
                var token = await RefreshUnderLeaseAsync(source, flight, underLease!, lease!, secondChance: false, cancellationToken).ConfigureAwait(false);
                activity?.SetTag("tokenkeeper.outcome", "success");
                return token;
            }
            finally
            {
                await ReleaseAsync(lease!).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>What a background flight that stored kept tokens answers: the cached token (a caller that joined it and finds it not
    /// usable starts a flight of its own), or, with none cached, a failure that may be retried at once.</summary>
    private ManagedAccessToken KeptStored(ConnectionTokenSource source) =>
        source.Current ?? throw new TokenEndpointUnavailableException(source.ConnectionId, $"Connection '{source.ConnectionId}': kept tokens were stored; ask again for a token.", null, Now);

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

        if (flight.Rejected is { } bad && tokens.AccessToken == bad)
        {
            return false;
        }

        var current = source.Current;
        if (current is not null && current.Token == tokens.AccessToken)
        {
            return false;
        }

        var candidate = _manager.CreateHandle(record);
        if (!candidate.IsUsableAt(Now.UtcTicks, flight.MinValidity) || !source.Publish(candidate, flight.Epoch))
        {
            return false;
        }

        if (!loading)
        {
            _metrics.RecordRefresh(record.ConnectionId, TriggerName(flight.Trigger), "adopted");
            Log.Adopted(_logger, record.ConnectionId, candidate.Fingerprint, record.Version);
        }

        adopted = candidate;
        return true;
    }

    /// <summary>
    /// The cached token, when a flight started just after another one published it: not the rejected token, and fresh
    /// (before its refresh-ahead point) or, for callers that only need a usable token, before its usable-until point.
    /// </summary>
    private ManagedAccessToken? CachedIsGoodEnough(ConnectionTokenSource source, Flight flight)
    {
        if (flight.Trigger is RefreshTrigger.Forced or RefreshTrigger.KeepAlive || source.Current is not { } current || (flight.Rejected is { } bad && current.Token == bad))
        {
            return null;
        }

        var now = Now.UtcTicks;
        var goodEnough = flight.Trigger == RefreshTrigger.RefreshAhead ? now < current.RefreshAheadAtTicks : current.IsUsableAt(now, flight.MinValidity);
        return goodEnough ? current : null;
    }

    private async ValueTask<ConnectionRecord> ReadAsync(string id, CancellationToken cancellationToken) =>
        await _store.GetAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new TokenkeeperConfigurationException($"The store has no connection '{id}'. Register it first.");

    private void EnsureRefreshable(ConnectionRecord record)
    {
        ThrowIfNotUsable(record);
        var id = record.ConnectionId;
        if (record.Registration.Grant == OAuthGrantType.RefreshToken && record.Tokens?.RefreshToken is null)
        {
            throw new ReconnectRequiredException(id, StateReasons.NotAuthorized, "the store holds no refresh token for this connection");
        }

        if (record.NextAttemptAt is { } notBefore && notBefore > Now)
        {
            throw new TokenEndpointUnavailableException(
                id,
                $"Connection '{id}' is cooling down after {record.ConsecutiveFailures} failed refresh(es) until {notBefore:O}: {record.LastError}",
                null,
                notBefore);
        }
    }

    /// <summary>Throws the typed exception for a connection that may not serve tokens (needs a person, disabled, never authorised).</summary>
    private static void ThrowIfNotUsable(ConnectionRecord record)
    {
        var id = record.ConnectionId;
        switch (record.Status.State)
        {
            case ConnectionState.ReconnectRequired:
                throw new ReconnectRequiredException(id, record.Status.Reason, record.Status.Detail);
            case ConnectionState.Disabled:
                throw new ConnectionDisabledException(id, record.Status.Detail);
            case ConnectionState.PendingAuthorization:
                throw new ReconnectRequiredException(id, StateReasons.NotAuthorized, "the connection has not been authorised yet");
        }
    }

    /// <summary>A caller asking for longer than the provider's tokens live would spend a refresh token per call for nothing.</summary>
    private static void EnsureAttainable(ConnectionRecord record, Flight flight)
    {
        if (flight.MinValidity > TimeSpan.Zero && record.Tokens is { AccessToken.IsEmpty: false } tokens && tokens.Lifetime < flight.MinValidity)
        {
            throw new MinValidityUnattainableException(record.ConnectionId, flight.MinValidity, tokens.Lifetime);
        }
    }

    /// <summary>
    /// Waits for the connection's lease and re-reads the record under it. Adopts a peer's result while waiting. A record whose
    /// refresh intent belongs to another live instance and is younger than a request window means that instance may still be
    /// sending (it was paused past its lease, say): the lease is given back and the wait goes on, so the same refresh token is
    /// never sent twice on purpose.
    /// </summary>
    private async Task<(StoreLease? Lease, ConnectionRecord? Record, ManagedAccessToken? Adopted)> AcquireLeaseAsync(ConnectionTokenSource source, Flight flight, CancellationToken cancellationToken)
    {
        var id = source.ConnectionId;

        // Wait at least one request window: a peer's refresh in flight is then either committed or known to be in doubt.
        var patience = _options.LeaseWaitTimeout > RequestWindow + _options.LeasePollMax ? _options.LeaseWaitTimeout : RequestWindow + _options.LeasePollMax;
        var deadline = Now + patience;
        var delay = _options.LeasePollMin;
        while (true)
        {
            var lease = await _store.TryAcquireLeaseAsync(id, _options.InstanceId, LeaseSpan, cancellationToken).ConfigureAwait(false);
            if (lease is null && await _store.GetLeaseAsync(id, cancellationToken).ConfigureAwait(false) is { } held && LeaseOwners.IsDeadLocalProcess(held.Owner))
            {
                // The holder died mid-refresh (killed): take over now. Its intent stays in the record, so this refresh is in doubt.
                Log.LeaseTakenOver(_logger, id, held.Owner);
                lease = await _store.TryAcquireLeaseAsync(id, _options.InstanceId, LeaseSpan, cancellationToken, takeOverFrom: held.Owner).ConfigureAwait(false);
            }

            if (lease is not null)
            {
                var record = await ReadUnderLeaseAsync(lease, cancellationToken).ConfigureAwait(false);
                if (source.Uncommitted is null && TryAdopt(source, record, flight, out var adopted))
                {
                    await ReleaseAsync(lease).ConfigureAwait(false);
                    return (null, null, adopted);
                }

                // Kept tokens that replace the record's refresh token are the outcome of any intent on it: store them at once.
                if (!IsYoungForeignIntent(record) || (source.Uncommitted is { } kept && StillHolds(record, kept.Generation, kept.Spent)))
                {
                    try
                    {
                        if (source.Uncommitted is null)
                        {
                            EnsureRefreshable(record);
                        }
                    }
                    catch
                    {
                        await ReleaseAsync(lease).ConfigureAwait(false);
                        throw;
                    }

                    return (lease, record, null);
                }

                await ReleaseAsync(lease).ConfigureAwait(false);
            }

            _metrics.RecordLeaseWait(id);
            if (Now >= deadline)
            {
                throw new TokenEndpointUnavailableException(id, $"Connection '{id}': another instance has held the refresh for over {patience.TotalSeconds:0} s.", null, Now + delay);
            }

            var jittered = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
            await Task.Delay(jittered, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.LeasePollMax.Ticks));

            var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (source.Uncommitted is null && TryAdopt(source, latest, flight, out var adoptedWhileWaiting))
            {
                return (null, null, adoptedWhileWaiting);
            }

            if (source.Uncommitted is null)
            {
                EnsureRefreshable(latest);
            }
        }
    }

    private async Task<ConnectionRecord> ReadUnderLeaseAsync(StoreLease lease, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadAsync(lease.ConnectionId, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ReleaseAsync(lease).ConfigureAwait(false);
            throw;
        }
    }

    private bool IsYoungForeignIntent(ConnectionRecord record) =>
        record.PendingRefresh is { ResponseLost: false } intent
        && intent.Owner != _options.InstanceId
        && Now < InFlightUntil(intent)
        && !LeaseOwners.IsDeadLocalProcess(intent.Owner);

    /// <summary>Until when the latest request of an intent may still be at the provider: what its sender recorded, or (for records
    /// written before that was recorded) its start plus this instance's request window.</summary>
    private DateTimeOffset InFlightUntil(RefreshIntent intent) => intent.InFlightUntil ?? intent.StartedAt + RequestWindow;

    /// <summary>
    /// Refreshes under the lease: settles a refresh left in doubt first (<see cref="LostAnswerPolicy"/>), then sends the grant with
    /// retries, and commits or classifies what comes back. Once a request may have reached the provider, nothing here is cancelled:
    /// <paramref name="stopping"/> only ends the waits between attempts, and everything after a send runs to completion.
    /// </summary>
    private async Task<ManagedAccessToken> RefreshUnderLeaseAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, bool secondChance, CancellationToken stopping)
    {
        var none = CancellationToken.None;
        var id = record.ConnectionId;
        var registration = record.Registration;
        var profile = _manager.GetProfile(id, registration);
        var clientKey = TokenRequestFactory.ClientKey(registration, profile);
        if (_manager.ClientHealth.IsRejected(clientKey, out var why))
        {
            return await FailPermanentlyAsync(source, flight, record, lease, StateReasons.InvalidClient, why, none).ConfigureAwait(false);
        }

        var spendsRefreshToken = registration.Grant == OAuthGrantType.RefreshToken;
        var usedRefreshToken = record.Tokens?.RefreshToken;
        TokenEndpointRequest request;
        try
        {
            // Build the request once before anything is recorded: a bad key or endpoint is a configuration error, not a refresh.
            request = _manager.Requests.Create(registration, profile, usedRefreshToken);
        }
        catch (TokenkeeperConfigurationException ex)
        {
            return await FailPermanentlyAsync(source, flight, record, lease, StateReasons.ConfigurationError, ex.Message, none).ConfigureAwait(false);
        }

        var send = new SendState(record, lease, Now);
        if (spendsRefreshToken && record.PendingRefresh is { } pending && pending.Generation == record.RefreshTokenGeneration)
        {
            // An earlier request with this refresh token has no known outcome (a lost answer, a killed process): settle that first.
            Log.InDoubt(_logger, id, record.RefreshTokenGeneration, usedRefreshToken?.Fingerprint ?? TokenFingerprint.None);
            var decision = LostAnswerPolicy.Decide(profile, CanIntrospect(registration, profile), pending.StartedAt, InFlightUntil(pending), Now);
            if (decision.Verdict == LostAnswerVerdict.Introspect)
            {
                decision = await IntrospectAsync(record, request).ConfigureAwait(false);
            }

            Log.InDoubtDecision(_logger, id, decision.Verdict.ToString(), decision.Why);
            switch (decision.Verdict)
            {
                case LostAnswerVerdict.Resend when decision.TokenActive == true:
                    send = send with { Resending = true }; // the lost request never spent the token: nothing is in doubt any more
                    break;
                case LostAnswerVerdict.Resend:
                    send = send with { FirstSent = pending.StartedAt, InDoubt = true, Resending = true }; // the grace window counts from the first send
                    break;
                case LostAnswerVerdict.WaitToIntrospect:
                    return await FailInDoubtAsync(source, flight, record, lease, decision, none).ConfigureAwait(false);
                default:
                    var reason = decision.TokenActive == false && RefreshTokenDeadlines.HasPassed(record, profile, Now)
                        ? StateReasons.RefreshTokenExpired
                        : StateReasons.RotationLostInFlight;
                    return await FailPermanentlyAsync(source, flight, record, lease, reason, LostDetail(pending, decision), none).ConfigureAwait(false);
            }
        }

        Log.RefreshStarted(_logger, id, TriggerName(flight.Trigger), source.Current?.Fingerprint ?? TokenFingerprint.None);
        TokenResult result;
        try
        {
            result = await SendWithRetriesAsync(send, request, profile, registration, clientKey, spendsRefreshToken, stopping).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // Another instance took over; it re-reads the record before it sends anything. Do not commit a failure over its work.
            throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refresh lease was lost mid-refresh; another instance continues.", null);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested && send.Attempts == 0)
        {
            throw StoppingException(id);
        }

        var working = send.Working;
        var currentLease = send.Lease;
        var responseLost = send.InDoubt;
        if (result.IsSuccess)
        {
            return await CommitSuccessAsync(source, flight, working, currentLease, result.Tokens, usedRefreshToken, responseLost, none).ConfigureAwait(false);
        }

        var failure = result.Failure;
        if (spendsRefreshToken && result.RotatedRefreshToken is { } rotated)
        {
            // The provider rotated but the rest of its answer is unusable: keep the new refresh token (the one sent is dead),
            // then fail this cycle like any garbled answer; the next attempt spends the kept token.
            working = await KeepRotatedRefreshTokenAsync(source, flight, working, currentLease, rotated, usedRefreshToken, none).ConfigureAwait(false);
            return await FailTransientlyAsync(source, flight, working, currentLease, failure, keepInDoubt: false, none).ConfigureAwait(false);
        }

        switch (failure.Kind)
        {
            case TokenFailureKind.InvalidGrant:
                var latest = await ReadAsync(id, none).ConfigureAwait(false);
                var disabledSameGrant = latest.Status.State == ConnectionState.Disabled && latest.RefreshTokenGeneration == working.RefreshTokenGeneration;
                if (!latest.Status.IsUsable && !disabledSameGrant)
                {
                    // Re-marked (or disabled and re-authorised) while we were sending: leave its state alone, clear our intent,
                    // say what it is. Disabled with the same grant goes on below: the verdict is kept for when it is enabled.
                    await ClearIntentAsync(latest, currentLease, none).ConfigureAwait(false);
                    ThrowIfNotUsable(latest);
                }

                if (spendsRefreshToken && latest.Tokens?.RefreshToken is { } storedToken && storedToken != usedRefreshToken)
                {
                    // A peer (or an operator) stored another refresh token while we held a stale one: theirs is the live one.
                    if (TryAdopt(source, latest, flight, out var adopted))
                    {
                        return adopted;
                    }

                    if (!secondChance)
                    {
                        return await RefreshUnderLeaseAsync(source, flight, latest, currentLease, secondChance: true, stopping).ConfigureAwait(false);
                    }
                }

                var reason = responseLost
                    ? StateReasons.RotationLostInFlight
                    : RefreshTokenDeadlines.HasPassed(latest, profile, Now) ? StateReasons.RefreshTokenExpired : StateReasons.Revoked;
                return await FailPermanentlyAsync(source, flight, latest, currentLease, reason, failure.Description ?? failure.Message, none).ConfigureAwait(false);

            case TokenFailureKind.InvalidClient:
                _manager.ClientHealth.MarkRejected(clientKey, failure.Description ?? failure.Message);
                return await FailPermanentlyAsync(source, flight, working, currentLease, StateReasons.InvalidClient, failure.Description ?? failure.Message, none).ConfigureAwait(false);

            case TokenFailureKind.InvalidRequest:
                return await FailPermanentlyAsync(source, flight, working, currentLease, StateReasons.ConfigurationError, failure.Description ?? failure.Message, none).ConfigureAwait(false);
        }

        if (spendsRefreshToken && responseLost)
        {
            // The answer may have been lost after the provider acted: decide as for any refresh in doubt.
            var decision = LostAnswerPolicy.Decide(profile, CanIntrospect(registration, profile), send.FirstSent, send.InFlightUntil, Now);
            Log.InDoubtDecision(_logger, id, decision.Verdict.ToString(), decision.Why);
            if (decision.Verdict == LostAnswerVerdict.GiveUp)
            {
                var lostIntent = working.PendingRefresh ?? new RefreshIntent(working.RefreshTokenGeneration, usedRefreshToken?.Fingerprint ?? TokenFingerprint.None, send.FirstSent, _options.InstanceId, ResponseLost: true);
                return await FailPermanentlyAsync(source, flight, working, currentLease, StateReasons.RotationLostInFlight, LostDetail(lostIntent, decision, failure), none).ConfigureAwait(false);
            }

            return await FailTransientlyAsync(source, flight, working, currentLease, failure, keepInDoubt: true, none, decision.NotBefore).ConfigureAwait(false);
        }

        return await FailTransientlyAsync(source, flight, working, currentLease, failure, keepInDoubt: false, none).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the token request, retrying what can pass (transient, rate limited, garbled) with jittered exponential backoff
    /// (or the provider's <c>Retry-After</c>). The refresh intent is recorded right before each send and cleared after an answer
    /// that proves the request was not processed, so only a request whose fate is truly unknown leaves one behind. A request that
    /// may have been processed is sent again only when <see cref="LostAnswerPolicy"/> allows it. Stopping ends the wait before the
    /// next attempt (that attempt is not sent) and returns the last answer.
    /// </summary>
    private async Task<TokenResult> SendWithRetriesAsync(SendState send, TokenEndpointRequest request, ProviderProfile profile, ConnectionRegistration registration, string clientKey, bool spendsRefreshToken, CancellationToken stopping)
    {
        var id = send.Working.ConnectionId;
        TokenResult? last = null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _manager.RateLimiter.AcquireAsync(clientKey, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && last is not null)
            {
                return last;
            }

            // From here on nothing of ours cancels: the request may reach the provider, and what it returns must be committed.
            if (!await ReadyToSendAsync(send, request.RefreshToken, spendsRefreshToken, stopping).ConfigureAwait(false))
            {
                return last ?? throw StoppingException(id);
            }

            send.Attempts = attempt;
            if (attempt > 1 || send.Resending)
            {
                _metrics.RecordTokenRetry(id);
            }

            var started = _time.GetTimestamp();
            var outcome = await _manager.Client.RequestTokenAsync(attempt == 1 ? request : _manager.Requests.Create(registration, profile, request.RefreshToken), CancellationToken.None).ConfigureAwait(false);
            _metrics.RecordEndpoint(GrantName(registration.Grant), outcome.IsSuccess ? "success" : TagValue.Of(outcome.Failure.Kind), _time.GetElapsedTime(started));
            last = outcome;
            if (outcome.IsSuccess)
            {
                return outcome;
            }

            var failure = outcome.Failure;
            Log.AttemptFailed(_logger, id, attempt, failure.ToString());
            if (failure.MaybeProcessed)
            {
                send.InDoubt = true;
            }
            else if (spendsRefreshToken && !send.InDoubt)
            {
                // The provider answered without acting: nothing is in doubt, and no peer or later run may take it for a lost answer.
                await ClearOwnIntentAsync(send).ConfigureAwait(false);
            }

            if (attempt >= _options.MaxAttempts || outcome.RotatedRefreshToken is not null || !failure.IsRetryable
                || failure.RetryAfter > _options.MaxRetryAfterInCycle
                || (spendsRefreshToken && send.InDoubt && LostAnswerPolicy.Decide(profile, CanIntrospect(registration, profile), send.FirstSent, send.InFlightUntil, Now).Verdict != LostAnswerVerdict.Resend))
            {
                return outcome;
            }

            try
            {
                await Task.Delay(RetryDelay(attempt, failure.RetryAfter), _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return outcome;
            }
        }
    }

    /// <summary>Before attempt <paramref name="attempt"/> + 1: the provider's <c>Retry-After</c>, else exponential from
    /// <see cref="TokenManagerOptions.RetryBaseDelay"/> up to <see cref="TokenManagerOptions.RetryMaxDelay"/>, jittered to 50-100%.</summary>
    private TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked;
        }

        var exponential = Math.Min(_options.RetryBaseDelay.Ticks * (1L << Math.Min(attempt - 1, 30)), _options.RetryMaxDelay.Ticks);
        return TimeSpan.FromTicks((long)(exponential * (0.5 + (_jitter() * 0.5))));
    }

    /// <summary>
    /// Gets a request ready to leave: records the refresh intent (contract 6) with the time it is sent and how long it may be in
    /// flight, then makes sure the lease covers a whole request window from now. A store slow enough that this took longer than
    /// <see cref="RefreshConstants.IntentFreshness"/> does both again, so the intent's window and the lease always cover the
    /// request (a peer never takes it for a lost answer while it may be at the provider). False when the manager began stopping
    /// meanwhile: the intent is cleared again, and nothing is sent.
    /// </summary>
    private async Task<bool> ReadyToSendAsync(SendState send, RefreshToken? refreshToken, bool spendsRefreshToken, CancellationToken stopping)
    {
        while (true)
        {
            var stampedAt = Now;
            if (spendsRefreshToken)
            {
                var working = send.Working;
                var inFlightUntil = stampedAt + RequestWindow;
                var intent = new RefreshIntent(working.RefreshTokenGeneration, refreshToken?.Fingerprint ?? TokenFingerprint.None, send.FirstSent, _options.InstanceId, ResponseLost: send.InDoubt, inFlightUntil);
                send.Working = await CommitAsync(working, working with { LastAttemptAt = stampedAt, PendingRefresh = intent }, send.Lease, null, CommitKind.Intent, CancellationToken.None).ConfigureAwait(false)
                    ?? throw new TokenEndpointUnavailableException(working.ConnectionId, $"Connection '{working.ConnectionId}': the store refused the refresh intent (concurrent change); try again.", null);
                send.InFlightUntil = inFlightUntil;
            }

            if (stopping.IsCancellationRequested)
            {
                if (spendsRefreshToken && !send.InDoubt)
                {
                    await ClearOwnIntentAsync(send).ConfigureAwait(false);
                }

                return false;
            }

            try
            {
                send.Lease = await KeepLeaseAsync(send.Lease, CancellationToken.None).ConfigureAwait(false);
            }
            catch (LeaseLostException) when (spendsRefreshToken && !send.InDoubt)
            {
                // Nothing was sent: take the intent back if nobody has written since (a version-only commit), then give up the cycle.
                await ClearOwnIntentAsync(send, withoutLease: true).ConfigureAwait(false);
                throw;
            }

            if (Now - stampedAt <= RefreshConstants.IntentFreshness && send.Lease.ExpiresAt - Now >= RequestWindow)
            {
                return true;
            }
        }
    }

    /// <summary>Clears this instance's intent after an answer that proves the provider did not act on the request. A store that
    /// fails here is logged, not fatal: the next attempt records the intent again anyway.</summary>
    private async Task ClearOwnIntentAsync(SendState send, bool withoutLease = false)
    {
        try
        {
            send.Working = await CommitAsync(send.Working, send.Working with { PendingRefresh = null }, withoutLease ? null : send.Lease, null, CommitKind.Intent, CancellationToken.None).ConfigureAwait(false) ?? send.Working;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CommitConflict(_logger, send.Working.ConnectionId, "clearing the refresh intent failed: " + ex.GetType().Name, TokenFingerprint.None);
        }
    }

    /// <summary>Asks the provider whether the refresh token of a refresh in doubt is still active: yes means the lost request
    /// never rotated it (send it again); no means it was spent (or revoked); no answer means ask again later.</summary>
    private async Task<LostAnswerDecision> IntrospectAsync(ConnectionRecord record, TokenEndpointRequest request)
    {
        var registration = record.Registration;
        var refreshToken = record.Tokens!.RefreshToken!.Value;
        var answer = await _manager.Client.IntrospectAsync(registration.IntrospectionEndpoint!, request.Client, refreshToken.Value, "refresh_token", registration.AllowInsecureHttp, CancellationToken.None).ConfigureAwait(false);
        _metrics.RecordIntrospection(record.ConnectionId, answer.Active switch { true => "active", false => "inactive", null => TagValue.Of(answer.Failure!.Kind) });
        return answer switch
        {
            { Active: true } => new(LostAnswerVerdict.Resend, "the provider's introspection says the refresh token is still active: the lost request never spent it", TokenActive: true),
            { Active: false } => new(LostAnswerVerdict.GiveUp, "the provider's introspection says the refresh token is no longer active: the lost request spent it", TokenActive: false),
            { IsRetryable: true } => new(LostAnswerVerdict.WaitToIntrospect, $"the provider's introspection could not be asked ({answer.Failure!.Message}); asking again later"),
            _ => new(LostAnswerVerdict.GiveUp, $"the provider's introspection refused to answer ({answer.Failure!.Message})"),
        };
    }

    private static bool CanIntrospect(ConnectionRegistration registration, ProviderProfile profile) =>
        registration.IntrospectionEndpoint is not null && TokenRequestFactory.AuthMethodOf(registration, profile) != ClientAuthMethod.None;

    private static string LostDetail(RefreshIntent intent, LostAnswerDecision decision, TokenEndpointFailure? failure = null) =>
        string.Create(CultureInfo.InvariantCulture, $"the answer to the refresh sent at {intent.StartedAt:O} (refresh token {intent.RefreshTokenFingerprint}) was lost{(failure is null ? "" : $" ({failure.Message})")}, and it may have rotated the refresh token; it was not sent again because {decision.Why}. Authorise the connection again")
        + (decision.TokenActive is null ? ", or give the connection an introspection endpoint or the provider's rotation grace so a lost answer can be recovered next time" : "");

    /// <summary>A refresh in doubt that must wait (for introspection to be meaningful, or for the provider to answer it): keep the
    /// intent, send nothing, try again at <see cref="LostAnswerDecision.NotBefore"/>.</summary>
    private Task<ManagedAccessToken> FailInDoubtAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, LostAnswerDecision decision, CancellationToken cancellationToken)
    {
        var failure = new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "refresh in doubt: " + decision.Why };
        return FailTransientlyAsync(source, flight, record, lease, failure, keepInDoubt: true, cancellationToken, decision.NotBefore);
    }

    /// <summary>What a caller gets for a refresh the stopping manager did not start (or stopped before it sent anything).</summary>
    public TokenAcquisitionException StoppingException(string id) =>
        new(id, $"Connection '{id}': Tokenkeeper is stopping; no new refresh is started (a token request already sent is finished and committed first).");

    /// <summary>One refresh's sending state: the record as last committed, the lease as last renewed, and what is known about
    /// requests already sent.</summary>
    private sealed record SendState(ConnectionRecord Working, StoreLease Lease, DateTimeOffset FirstSent)
    {
        public ConnectionRecord Working { get; set; } = Working;

        public StoreLease Lease { get; set; } = Lease;

        /// <summary>Whether a request already sent may have been processed without its answer reaching us.</summary>
        public bool InDoubt { get; set; }

        /// <summary>Requests sent so far.</summary>
        public int Attempts { get; set; }

        /// <summary>Until when the latest request may be at the provider (its send plus the request window).</summary>
        public DateTimeOffset InFlightUntil { get; set; } = FirstSent;

        /// <summary>Whether the first request of this cycle sends again a refresh token whose earlier request had no known outcome.</summary>
        public bool Resending { get; init; }
    }

    private async Task<ManagedAccessToken> CommitSuccessAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord working, StoreLease lease, TokenSet issued, RefreshToken? usedRefreshToken, bool recoveredInDoubt, CancellationToken cancellationToken)
    {
        var id = working.ConnectionId;
        var now = Now;

        // A response that kept the refresh token and stated no new deadline keeps the old deadline.
        var tokens = issued.RefreshToken == usedRefreshToken && issued.RefreshTokenExpiresAt is null && working.Tokens?.RefreshTokenExpiresAt is { } known
            ? issued with { RefreshTokenExpiresAt = known }
            : issued;
        var rotated = tokens.RefreshToken is { } fresh && fresh != usedRefreshToken;
        ConnectionRecord Apply(ConnectionRecord baseRecord)
        {
            var next = baseRecord with
            {
                Tokens = tokens,
                PendingRefresh = null,
                LastAttemptAt = now,
                LastRefreshAt = now,
                ConsecutiveFailures = 0,
                LastError = null,
                NextAttemptAt = null,
                RefreshTokenGeneration = rotated ? working.RefreshTokenGeneration + 1 : working.RefreshTokenGeneration,
            };
            return next.Status.State is ConnectionState.Active or ConnectionState.Disabled ? next : next.WithStatus(ConnectionState.Active, StateReasons.Refreshed, now);
        }

        var next = Apply(working);
        var events = new List<ConnectionEvent>
        {
            new()
            {
                ConnectionId = id,
                Type = ConnectionEventTypes.Refreshed,
                OccurredAt = now,
                State = next.Status.State.ToString(),
                Reason = TriggerName(flight.Trigger),
                Data = new Dictionary<string, string>
                {
                    ["access_token"] = tokens.AccessToken.Fingerprint,
                    ["refresh_token"] = tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None,
                    ["rotated"] = rotated ? "true" : "false",
                    ["expires_at"] = tokens.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                    ["expiry_source"] = TagValue.Of(tokens.ExpirySource),
                    ["recovered_in_doubt"] = recoveredInDoubt ? "true" : "false",
                },
            },
        };
        AddStateChange(events, working, next, now);

        // A new refresh token is written beside the store before the commit: a store that takes long to take it (busy for its
        // retry window) must not leave the only live refresh token in memory alone, where a kill -9 would lose it.
        var keptAhead = new UncommittedTokens(tokens, working.RefreshTokenGeneration, usedRefreshToken, flight.Trigger);
        if (rotated)
        {
            await SaveBesideStoreAsync(id, keptAhead, aheadOfCommit: true).ConfigureAwait(false);
        }

        ConnectionRecord? committed;
        try
        {
            committed = await CommitAsync(working, next, lease, events, CommitKind.Success, cancellationToken, merge: latest =>
            {
                // Only merge onto a record whose refresh token nobody else changed; otherwise the other change wins.
                if (!StillHolds(latest, working.RefreshTokenGeneration, working.Tokens?.RefreshToken))
                {
                    return null;
                }

                var merged = Apply(latest);
                return (merged, MergeEvents(events, latest, merged, now));
            }).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The provider issued tokens the store would not take. Keep them: the refresh token may be the only live one.
            await KeepAsync(source, keptAhead).ConfigureAwait(false);
            Log.CommitConflict(_logger, id, "store failed; tokens kept until they can be committed: " + ex.GetType().Name, tokens.AccessToken.Fingerprint);
            throw new TokenStoreUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be stored ({ex.Message}); they are kept and committed before any further refresh.", ex);
        }

        if (committed is null)
        {
            ConnectionRecord latest;
            try
            {
                latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (rotated && ex is not OperationCanceledException)
            {
                // Cannot tell whether the store moved on: keeping them is safe (they are dropped later if obsolete), losing them is not.
                await KeepAsync(source, keptAhead).ConfigureAwait(false);
                throw new TokenStoreUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be stored ({ex.Message}); they are kept and committed before any further refresh.", ex);
            }

            if (rotated && StillHolds(latest, working.RefreshTokenGeneration, usedRefreshToken))
            {
                // The commit gave up (repeated conflicts or store failures) but nobody replaced the spent refresh token: the
                // one just issued is the only live one. Keep it, exactly as when the store throws.
                await KeepAsync(source, keptAhead).ConfigureAwait(false);
                Log.CommitConflict(_logger, id, "commit gave up; tokens kept until they can be committed", tokens.AccessToken.Fingerprint);
                throw new TokenStoreUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be stored (the commit gave up); they are kept and committed before any further refresh.", null);
            }

            if (rotated)
            {
                await RemoveBesideStoreAsync(id, working.RefreshTokenGeneration).ConfigureAwait(false);
            }

            Log.CommitConflict(_logger, id, "superseded", tokens.AccessToken.Fingerprint);
            ThrowIfNotUsable(latest);
            if (TryAdopt(source, latest, flight, out var adopted))
            {
                return adopted;
            }

            throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be committed because another writer changed the connection.", null);
        }

        if (rotated)
        {
            await RemoveBesideStoreAsync(id, working.RefreshTokenGeneration).ConfigureAwait(false);
        }

        _metrics.RecordRefresh(id, TriggerName(flight.Trigger), "success");
        Log.Refreshed(_logger, id, TriggerName(flight.Trigger), tokens.AccessToken.Fingerprint, tokens.Lifetime.TotalSeconds, tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None, rotated ? " (rotated)" : "");
        if (tokens.ExpirySource is ExpirySource.Default or ExpirySource.ProviderProfile)
        {
            _metrics.RecordDefaulted(TagValue.Of(tokens.ExpirySource));
            Log.ExpiryAssumed(_logger, id, TagValue.Of(tokens.ExpirySource), tokens.Lifetime.TotalSeconds);
        }

        // Committed; served only if the connection may serve and was not re-authorised or switched since the flight began.
        ThrowIfNotUsable(committed);
        var handle = _manager.CreateHandle(committed);
        if (!source.Publish(handle, flight.Epoch))
        {
            throw new TokenEndpointUnavailableException(id, $"Connection '{id}' was re-authorised or reconfigured during the refresh; ask again.", null);
        }

        return handle;
    }

    /// <summary>Commits tokens a previous refresh could not store, if nothing moved on since; drops them otherwise.</summary>
    private async Task<(ConnectionRecord Record, ManagedAccessToken? Handle)> CommitUncommittedAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, UncommittedTokens uncommitted, CancellationToken cancellationToken)
    {
        if (!StillHolds(record, uncommitted.Generation, uncommitted.Spent))
        {
            // Someone stored another grant or rotation meanwhile: ours is obsolete.
            await ForgetKeptAsync(source, uncommitted).ConfigureAwait(false);
            return (record, null);
        }

        // Both commits keep the tokens again and throw TokenStoreUnavailableException whenever they could not store a new refresh
        // token while the store still holds the spent one (the store failed, or the commit gave up). Any other outcome means the
        // tokens are stored or superseded: forget them. That includes "stored, then not servable" (disabled or re-marked
        // meanwhile): storing them again would move LastRefreshAt, the refresh token's idle clock, with no refresh.
        ManagedAccessToken? handle = null;
        var original = flight with { Trigger = uncommitted.Trigger };
        try
        {
            if (uncommitted.RefreshTokenOnly && uncommitted.Tokens.RefreshToken is { } salvaged)
            {
                // A salvaged refresh token: commit it as what it is (a new generation, no refresh, no event), then refresh with it.
                await KeepRotatedRefreshTokenAsync(source, original, record, lease, salvaged, uncommitted.Spent, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                handle = await CommitSuccessAsync(source, original, record, lease, uncommitted.Tokens, uncommitted.Spent, recoveredInDoubt: false, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TokenAcquisitionException ex) when (ex is not TokenStoreUnavailableException)
        {
            await ForgetKeptAsync(source, uncommitted).ConfigureAwait(false);
            throw;
        }

        await ForgetKeptAsync(source, uncommitted).ConfigureAwait(false);
        return (await ReadAsync(record.ConnectionId, cancellationToken).ConfigureAwait(false), handle);
    }

    /// <summary>Keeps tokens the store would not take: in memory (stored again in the background, and before any further refresh)
    /// and, with a persistent store, beside it, so they outlive this process (docs/engine.md, "What survives what").</summary>
    private async Task KeepAsync(ConnectionTokenSource source, UncommittedTokens kept)
    {
        source.Keep(kept);
        await SaveBesideStoreAsync(source.ConnectionId, kept).ConfigureAwait(false);
    }

    /// <summary>Writes kept tokens beside a persistent store; a failure is logged (critical: they then live only in memory).
    /// <paramref name="aheadOfCommit"/>: written before the commit that normally removes them at once, so not announced, and not
    /// flushed to the disk (the page cache survives the process; the commit, a few milliseconds later, is durable itself).</summary>
    private async Task SaveBesideStoreAsync(string connectionId, UncommittedTokens kept, bool aheadOfCommit = false)
    {
        if (_store is not IKeptTokenStore beside)
        {
            return;
        }

        var fingerprint = kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None;
        try
        {
            await beside.SaveKeptAsync(kept.ToKept(connectionId, _options.InstanceId, Now), durable: !aheadOfCommit, CancellationToken.None).ConfigureAwait(false);
            if (!aheadOfCommit)
            {
                Log.TokensKept(_logger, connectionId, fingerprint, kept.Generation);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.TokensNotKept(_logger, connectionId, fingerprint, ex.GetType().Name + ": " + ex.Message);
        }
    }

    /// <summary>Removes tokens kept beside the store for the refresh that spent <paramref name="spentGeneration"/>, once stored or
    /// obsolete. A failure is harmless: the next process finds them obsolete (the store has moved past that generation).</summary>
    private async Task RemoveBesideStoreAsync(string connectionId, int spentGeneration)
    {
        if (_store is not IKeptTokenStore beside)
        {
            return;
        }

        try
        {
            await beside.RemoveKeptAsync(connectionId, spentGeneration, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CommitConflict(_logger, connectionId, "removing kept tokens failed: " + ex.GetType().Name, TokenFingerprint.None);
        }
    }

    /// <summary>Forgets kept tokens once stored or obsolete, in memory (if still the same) and beside the store.</summary>
    private async Task ForgetKeptAsync(ConnectionTokenSource source, UncommittedTokens kept)
    {
        source.ForgetUncommitted(kept);
        await RemoveBesideStoreAsync(source.ConnectionId, kept.Generation).ConfigureAwait(false);
    }

    /// <summary>
    /// The last attempt, while the manager stops, to store tokens this instance keeps: under the lease, within
    /// <paramref name="window"/>, never refreshing. What cannot be stored stays kept beside a persistent store, where the next
    /// process on this machine takes it over before any refresh.
    /// </summary>
    public async Task StoreKeptAtStopAsync(ConnectionTokenSource source, TimeSpan window)
    {
        if (source.Uncommitted is not { } kept)
        {
            return;
        }

        using var limit = new CancellationTokenSource(window, _time);
        try
        {
            var flight = new Flight(RefreshTrigger.StoreKept, null, TimeSpan.Zero, source.Epoch);
            var (lease, record, _) = await AcquireLeaseAsync(source, flight, limit.Token).ConfigureAwait(false);
            try
            {
                await CommitUncommittedAsync(source, flight, record!, lease!, kept, limit.Token).ConfigureAwait(false);
            }
            finally
            {
                await ReleaseAsync(lease!).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.KeptNotStoredAtStop(_logger, source.ConnectionId, kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None, ex.GetType().Name + ": " + ex.Message);
        }

        if (source.Uncommitted is { } still)
        {
            await SaveBesideStoreAsync(source.ConnectionId, still).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes over tokens another process of this machine kept beside the store (it exited or was killed while the store would not
    /// take them): if the store still holds the refresh token they replace, they become this instance's to store, before any
    /// refresh; if the store has moved on, they are obsolete and removed.
    /// </summary>
    public async Task AdoptKeptAsync(ConnectionTokenSource source, ConnectionRecord record)
    {
        if (_store is not IKeptTokenStore beside || await beside.GetKeptAsync(source.ConnectionId, CancellationToken.None).ConfigureAwait(false) is not { } kept)
        {
            return;
        }

        if (UncommittedTokens.FromKept(kept, record) is { } adopted)
        {
            Log.KeptTokensAdopted(_logger, source.ConnectionId, kept.KeptBy, kept.KeptAt, kept.Tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
            if (source.Uncommitted is null)
            {
                source.Keep(adopted);
            }
        }
        else
        {
            await beside.RemoveKeptAsync(source.ConnectionId, kept.SpentGeneration, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="record"/> still holds <paramref name="refreshToken"/> at <paramref name="generation"/>: nobody
    /// has stored another grant or rotation since.</summary>
    private static bool StillHolds(ConnectionRecord record, int generation, RefreshToken? refreshToken) =>
        record.RefreshTokenGeneration == generation && record.Tokens?.RefreshToken == refreshToken;

    /// <summary>Commits a refresh token salvaged from an unusable answer: a new generation, the intent cleared (nothing is in
    /// doubt any more), the refresh token's idle clock restarted; the access token stays as it was.</summary>
    private async Task<ConnectionRecord> KeepRotatedRefreshTokenAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord working, StoreLease lease, RefreshToken rotated, RefreshToken? spent, CancellationToken cancellationToken)
    {
        var now = Now;
        ConnectionRecord Apply(ConnectionRecord baseRecord) => baseRecord with
        {
            Tokens = (baseRecord.Tokens ?? TokenSets.FromRefreshToken(rotated, now)) with { RefreshToken = rotated },
            RefreshTokenGeneration = baseRecord.RefreshTokenGeneration + 1,
            PendingRefresh = null,
            LastRefreshAt = now,
        };

        var next = Apply(working);
        var salvaged = new UncommittedTokens(next.Tokens!, working.RefreshTokenGeneration, spent, flight.Trigger, RefreshTokenOnly: true);
        await SaveBesideStoreAsync(working.ConnectionId, salvaged, aheadOfCommit: true).ConfigureAwait(false); // as for any rotation
        ConnectionRecord? committed;
        try
        {
            committed = await CommitAsync(working, next, lease, null, CommitKind.Success, cancellationToken, merge: latest =>
                StillHolds(latest, working.RefreshTokenGeneration, spent) ? (Apply(latest), []) : null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Same as a success the store would not take: the salvaged token is the only live one, keep it.
            throw await KeepSalvagedAsync(ex.Message, ex).ConfigureAwait(false);
        }

        if (committed is null)
        {
            // The commit gave up (conflicts, a lost lease, store failures). If another writer moved the connection on, theirs
            // wins; if the store still holds the spent token (or it cannot be read), ours is still the only live one: keep it.
            ConnectionRecord latest;
            try
            {
                latest = await ReadAsync(working.ConnectionId, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw await KeepSalvagedAsync(ex.Message, ex).ConfigureAwait(false);
            }

            if (StillHolds(latest, working.RefreshTokenGeneration, spent))
            {
                throw await KeepSalvagedAsync("the commit gave up", null).ConfigureAwait(false);
            }

            await RemoveBesideStoreAsync(working.ConnectionId, working.RefreshTokenGeneration).ConfigureAwait(false);
            Log.RotatedRefreshTokenKept(_logger, working.ConnectionId, spent?.Fingerprint ?? TokenFingerprint.None, rotated.Fingerprint, false);
            return latest;
        }

        await RemoveBesideStoreAsync(working.ConnectionId, working.RefreshTokenGeneration).ConfigureAwait(false);
        Log.RotatedRefreshTokenKept(_logger, working.ConnectionId, spent?.Fingerprint ?? TokenFingerprint.None, rotated.Fingerprint, true);
        return committed;

        async Task<TokenStoreUnavailableException> KeepSalvagedAsync(string why, Exception? inner)
        {
            await KeepAsync(source, salvaged).ConfigureAwait(false);
            Log.RotatedRefreshTokenKept(_logger, working.ConnectionId, spent?.Fingerprint ?? TokenFingerprint.None, rotated.Fingerprint, false);
            return new TokenStoreUnavailableException(working.ConnectionId, $"Connection '{working.ConnectionId}': a rotated refresh token could not be stored ({why}); it is kept and committed before any further refresh.", inner);
        }
    }

    /// <summary>Records a failed cycle (a back-off, <see cref="ConnectionState.Degraded"/>, a <c>refresh_failed</c> event) and throws.
    /// <paramref name="keepInDoubt"/> keeps the refresh intent, marked as a lost answer; <paramref name="notBefore"/> is the earliest
    /// next attempt whatever the back-off says (when a refresh in doubt may be settled).</summary>
    private async Task<ManagedAccessToken> FailTransientlyAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord working, StoreLease lease, TokenEndpointFailure failure, bool keepInDoubt, CancellationToken cancellationToken, DateTimeOffset? notBefore = null)
    {
        var id = working.ConnectionId;
        var now = Now;
        ConnectionRecord Apply(ConnectionRecord baseRecord)
        {
            var failures = baseRecord.ConsecutiveFailures + 1;
            var wait = Backoff(failures);
            if (failure.RetryAfter is { } retryAfter && retryAfter > wait)
            {
                wait = retryAfter;
            }

            if (keepInDoubt && baseRecord.PendingRefresh is { } doubt)
            {
                wait = WithinRotationGrace(wait, doubt.StartedAt, _manager.GetProfile(id, baseRecord.Registration), now);
            }

            if (notBefore is { } earliest && earliest - now > wait)
            {
                wait = earliest - now;
            }

            var next = baseRecord with
            {
                LastAttemptAt = now,
                ConsecutiveFailures = failures,
                LastError = failure.Message,
                NextAttemptAt = now + wait,
                PendingRefresh = keepInDoubt && baseRecord.PendingRefresh is { } intent ? intent with { ResponseLost = true } : null,
            };
            return next.Status.State == ConnectionState.Active ? next.WithStatus(ConnectionState.Degraded, StateReasons.RefreshFailing, now, failure.Message) : next;
        }

        var next = Apply(working);
        var events = new List<ConnectionEvent>
        {
            new()
            {
                ConnectionId = id,
                Type = ConnectionEventTypes.RefreshFailed,
                OccurredAt = now,
                State = next.Status.State.ToString(),
                Reason = TagValue.Of(failure.Kind),
                Detail = failure.Message,
                Data = new Dictionary<string, string>
                {
                    ["consecutive_failures"] = next.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture),
                    ["next_attempt_at"] = next.NextAttemptAt!.Value.ToString("O", CultureInfo.InvariantCulture),
                },
            },
        };
        AddStateChange(events, working, next, now);
        AddRepeatedFailureAlert(events, next, failure, now);
        var committed = await CommitAsync(working, next, lease, events, CommitKind.Failure, cancellationToken, merge: latest =>
        {
            if (latest.RefreshTokenGeneration != working.RefreshTokenGeneration || !latest.Status.IsUsable)
            {
                return null;
            }

            var merged = Apply(latest);
            var mergedEvents = MergeEvents(events, latest, merged, now);
            AddRepeatedFailureAlert(mergedEvents, merged, failure, now);
            return (merged, mergedEvents);
        }).ConfigureAwait(false);

        var final = committed ?? next;
        _metrics.RecordRefresh(id, TriggerName(flight.Trigger), TagValue.Of(failure.Kind));
        Log.RefreshFailed(_logger, id, failure.ToString(), final.ConsecutiveFailures, final.NextAttemptAt ?? now);
        throw new TokenEndpointUnavailableException(id, $"Connection '{id}': refresh failed: {failure.Message}", failure, final.NextAttemptAt);
    }

    private async Task<ManagedAccessToken> FailPermanentlyAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, string reason, string? detail, CancellationToken cancellationToken)
    {
        var id = record.ConnectionId;
        var now = Now;
        if (!record.Status.IsUsable && record.Status.State != ConnectionState.Disabled)
        {
            await ClearIntentAsync(record, lease, cancellationToken).ConfigureAwait(false);
            ThrowIfNotUsable(record);
        }

        // A connection disabled while this refresh was in flight stays disabled; the verdict is kept for when it is enabled
        // (it then needs reconnecting, and a new grant offered meanwhile is taken). Alerts wait for that moment too.
        static bool Open(ConnectionRecord r) => r.Status.IsUsable || r.Status.State == ConnectionState.Disabled;
        ConnectionRecord Apply(ConnectionRecord baseRecord)
        {
            var failed = baseRecord with
            {
                PendingRefresh = null,
                LastAttemptAt = now,
                LastError = detail,
                ConsecutiveFailures = baseRecord.ConsecutiveFailures + 1,
            };
            return baseRecord.Status.State == ConnectionState.Disabled
                ? failed with { StatusBeforeDisabled = new ConnectionStatus(ConnectionState.ReconnectRequired, reason, now, detail) }
                : failed.WithStatus(ConnectionState.ReconnectRequired, reason, now, detail);
        }

        List<ConnectionEvent> EventsFor(ConnectionRecord before, ConnectionRecord after)
        {
            var list = new List<ConnectionEvent>();
            if (after.Status.State == ConnectionState.ReconnectRequired)
            {
                AddStateChange(list, before, after, now);
                list.Add(ConnectionEvents.ReconnectRequired(id, reason, detail, now));
            }

            return list;
        }

        var next = Apply(record);
        var events = EventsFor(record, next);
        var committed = await CommitAsync(record, next, lease, events, CommitKind.Failure, cancellationToken, merge: latest =>
            latest.RefreshTokenGeneration == record.RefreshTokenGeneration && Open(latest)
                ? (Apply(latest), EventsFor(latest, Apply(latest)))
                : null).ConfigureAwait(false);

        if (committed is null)
        {
            // The connection changed meanwhile (re-authorised, disabled, already marked): report what it is now.
            var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            ThrowIfNotUsable(latest);
            if (TryAdopt(source, latest, flight, out var adopted))
            {
                return adopted;
            }

            throw new TokenEndpointUnavailableException(id, $"Connection '{id}' changed during the refresh; ask again.", null);
        }

        source.Invalidate();
        _metrics.RecordRefresh(id, TriggerName(flight.Trigger), reason);
        Log.ReconnectRequired(_logger, id, reason, detail);
        ThrowIfNotUsable(committed);
        throw new ReconnectRequiredException(id, reason, detail);
    }

    /// <summary>Removes this instance's refresh intent from a record whose state is someone else's to decide.</summary>
    private async Task ClearIntentAsync(ConnectionRecord record, StoreLease lease, CancellationToken cancellationToken)
    {
        if (record.PendingRefresh is { } intent && intent.Owner == _options.InstanceId)
        {
            await CommitAsync(record, record with { PendingRefresh = null }, lease, null, CommitKind.Failure, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Commits with compare-and-swap. On a version conflict, re-reads and asks <paramref name="merge"/> to re-apply the change
    /// onto the newer record (null: give up). Success commits also survive a lost lease (a version-only commit: if nobody
    /// committed since, storing what the provider just issued is strictly better than dropping it); intents and failures never
    /// overwrite a new lease holder's work. A store failure throws (the store has already retried it for its window). Returns the
    /// committed record or null.
    /// </summary>
    private async Task<ConnectionRecord?> CommitAsync(ConnectionRecord expected, ConnectionRecord next, StoreLease? lease, IReadOnlyList<ConnectionEvent>? events, CommitKind kind, CancellationToken cancellationToken, Func<ConnectionRecord, (ConnectionRecord Record, IReadOnlyList<ConnectionEvent> Events)?>? merge = null)
    {
        var id = expected.ConnectionId;
        var currentExpected = expected;
        var currentNext = next;
        var currentEvents = events;
        for (var attempt = 0; attempt < RefreshConstants.MaxCommitAttempts; attempt++)
        {
            // A store failure is not retried here: the store has retried its busy or unreachable moments for its whole window.
            var result = await _store.CommitAsync(new ConnectionCommit(currentNext, currentExpected.Version, lease, currentEvents), cancellationToken).ConfigureAwait(false);

            if (result.Succeeded)
            {
                return currentNext with { Version = result.Version };
            }

            _metrics.RecordConflict(id, TagValue.Of(result.Conflict));
            if (result.Conflict == CommitConflict.LeaseLost)
            {
                if (kind != CommitKind.Success)
                {
                    return null;
                }

                lease = null;
                continue;
            }

            if (merge is null)
            {
                return null;
            }

            var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            var merged = merge(latest);
            if (merged is null)
            {
                return null;
            }

            currentExpected = latest;
            (currentNext, currentEvents) = merged.Value;
        }

        return null;
    }

    private async ValueTask<StoreLease> KeepLeaseAsync(StoreLease lease, CancellationToken cancellationToken)
    {
        if (lease.ExpiresAt - Now > RequestWindow)
        {
            return lease;
        }

        return await _store.RenewLeaseAsync(lease, LeaseSpan, cancellationToken).ConfigureAwait(false) ?? throw new LeaseLostException();
    }

    private async ValueTask ReleaseAsync(StoreLease lease)
    {
        try
        {
            await _store.ReleaseLeaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The lease lapses on its own; a failed release only delays the next refresh elsewhere.
            Log.CommitConflict(_logger, lease.ConnectionId, "release failed: " + ex.GetType().Name, TokenFingerprint.None);
        }
    }

    /// <summary>
    /// Contract 6: a lost answer is recovered inside the provider's grace window. When the old refresh token only works for a grace
    /// period after rotation, the retry comes within <see cref="RefreshConstants.InDoubtGraceShare"/> of it (counted from when the
    /// refresh token was first sent), and past that point within half of what is left before
    /// <see cref="RefreshConstants.InDoubtGraceUsableShare"/> (the last moment a resend is allowed), even if the back-off or a
    /// <c>Retry-After</c> asks for longer: after the window the grant could only be re-authorised (or asked about by introspection).
    /// </summary>
    private static TimeSpan WithinRotationGrace(TimeSpan wait, DateTimeOffset firstSent, ProviderProfile profile, DateTimeOffset now)
    {
        if (profile.Rotation is RefreshTokenRotation.None or RefreshTokenRotation.Unknown || profile.RotationGrace <= TimeSpan.Zero)
        {
            return wait;
        }

        var target = firstSent + (profile.RotationGrace * RefreshConstants.InDoubtGraceShare);
        var end = firstSent + (profile.RotationGrace * RefreshConstants.InDoubtGraceUsableShare);
        var latest = now < target ? target - now : now < end ? (end - now) / 2 : wait;
        return wait < latest ? wait : latest;
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var ticks = Math.Min(_options.FailureBackoffBase.Ticks * (1L << exponent), _options.FailureBackoffMax.Ticks);
        return TimeSpan.FromTicks(ticks);
    }

    private static void AddStateChange(List<ConnectionEvent> events, ConnectionRecord before, ConnectionRecord after, DateTimeOffset now)
    {
        if (ConnectionEvents.StateChanged(before, after, now) is { } changed)
        {
            events.Add(changed);
        }
    }

    private static void AddRepeatedFailureAlert(List<ConnectionEvent> events, ConnectionRecord next, TokenEndpointFailure failure, DateTimeOffset now)
    {
        if (next.ConsecutiveFailures == LifecycleConstants.RepeatedFailureAlertThreshold)
        {
            events.Add(new ConnectionEvent
            {
                ConnectionId = next.ConnectionId,
                Type = ConnectionEventTypes.RepeatedFailures,
                OccurredAt = now,
                State = next.Status.State.ToString(),
                Reason = TagValue.Of(failure.Kind),
                Detail = $"{next.ConsecutiveFailures} refresh attempts in a row failed; the last: {failure.Message}",
                Data = new Dictionary<string, string> { ["consecutive_failures"] = next.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture) },
            });
        }
    }

    private static List<ConnectionEvent> MergeEvents(List<ConnectionEvent> events, ConnectionRecord latest, ConnectionRecord merged, DateTimeOffset now)
    {
        var result = events.Where(e => e.Type is not (ConnectionEventTypes.StateChanged or ConnectionEventTypes.RepeatedFailures)).ToList();
        AddStateChange(result, latest, merged, now);
        return result;
    }

    internal static string TriggerName(RefreshTrigger trigger) => trigger switch
    {
        RefreshTrigger.NoToken => "no_token",
        RefreshTrigger.RefreshAhead => "refresh_ahead",
        RefreshTrigger.Expiring => "expiring",
        RefreshTrigger.Rejected => "rejected",
        RefreshTrigger.MinValidity => "min_validity",
        RefreshTrigger.KeepAlive => "keepalive",
        RefreshTrigger.StoreKept => "store_kept",
        _ => "forced",
    };

    private static string GrantName(OAuthGrantType grant) => grant switch
    {
        OAuthGrantType.RefreshToken => "refresh_token",
        OAuthGrantType.ClientCredentials => "client_credentials",
        OAuthGrantType.AuthorizationCode => "authorization_code",
        _ => "jwt_bearer",
    };

    private enum CommitKind
    {
        Intent,
        Success,
        Failure,
    }

    private sealed class LeaseLostException : Exception;
}
