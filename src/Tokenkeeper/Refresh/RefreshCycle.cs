using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
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
    private readonly ResiliencePipeline<TokenResult> _retry;

    public RefreshCycle(TokenManager manager, TokenManagerOptions options, ILogger logger)
    {
        _manager = manager;
        _store = manager.Store;
        _time = manager.TimeProvider;
        _options = options;
        _metrics = manager.Metrics;
        _logger = logger;

        // One attempt per cycle (MaxAttempts = 1) is a pipeline without a retry: Polly refuses a retry strategy of zero retries.
        var retry = new ResiliencePipelineBuilder<TokenResult> { TimeProvider = _time };
        if (options.MaxAttempts > 1)
        {
            retry.AddRetry(new RetryStrategyOptions<TokenResult>
            {
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result is { IsSuccess: false, RotatedRefreshToken: null, Failure: { IsRetryable: true } failure }
                    && (failure.RetryAfter is null || failure.RetryAfter <= options.MaxRetryAfterInCycle)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.Failure?.RetryAfter is { } wait && wait > TimeSpan.Zero ? wait : (TimeSpan?)null),
            });
        }

        _retry = retry.Build();
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>A request in flight may take this long: the client's timeout plus a safety margin. Leases always cover it.</summary>
    private TimeSpan RequestWindow => _manager.Client.Timeout + RefreshConstants.LeaseSafetyMargin;

    /// <summary>Leases last the configured duration, and never less than two request windows.</summary>
    private TimeSpan LeaseSpan => _options.LeaseDuration > RequestWindow * 2 ? _options.LeaseDuration : RequestWindow * 2;

    /// <summary>Runs a refresh and returns the token callers should use now.</summary>
    public async Task<ManagedAccessToken> RunAsync(ConnectionTokenSource source, Flight flight, CancellationToken cancellationToken)
    {
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

            var record = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
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
                    var (committed, handle) = await CommitUncommittedAsync(source, flight, underLease!, lease!, uncommitted, cancellationToken).ConfigureAwait(false);
                    if (handle is not null && handle.IsUsableAt(Now.UtcTicks, flight.MinValidity) && flight.Rejected != handle.Token)
                    {
                        return handle;
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

                if (!IsYoungForeignIntent(record))
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
        && Now < intent.StartedAt + RequestWindow
        && !LeaseOwners.IsDeadLocalProcess(intent.Owner);

    private async Task<ManagedAccessToken> RefreshUnderLeaseAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord record, StoreLease lease, bool secondChance, CancellationToken cancellationToken)
    {
        var id = record.ConnectionId;
        var registration = record.Registration;
        var profile = _manager.GetProfile(id, registration);
        var clientKey = TokenRequestFactory.ClientKey(registration, profile);
        if (_manager.ClientHealth.IsRejected(clientKey, out var why))
        {
            return await FailPermanentlyAsync(source, flight, record, lease, StateReasons.InvalidClient, why, cancellationToken).ConfigureAwait(false);
        }

        var spendsRefreshToken = registration.Grant == OAuthGrantType.RefreshToken;
        var usedRefreshToken = record.Tokens?.RefreshToken;
        try
        {
            // Build the request once before anything is recorded: a bad key or endpoint is a configuration error, not a refresh.
            _manager.Requests.Create(registration, profile, usedRefreshToken);
        }
        catch (TokenkeeperConfigurationException ex)
        {
            return await FailPermanentlyAsync(source, flight, record, lease, StateReasons.ConfigurationError, ex.Message, cancellationToken).ConfigureAwait(false);
        }

        var generation = record.RefreshTokenGeneration;
        var inDoubt = spendsRefreshToken && record.PendingRefresh is { } pending && pending.Generation == generation;
        if (inDoubt)
        {
            Log.InDoubt(_logger, id, generation, usedRefreshToken?.Fingerprint ?? TokenFingerprint.None);
        }

        // Record the intent before the refresh token leaves this process (contract 6).
        var started = Now;
        var intent = spendsRefreshToken
            ? new RefreshIntent(generation, usedRefreshToken!.Value.Fingerprint, inDoubt ? record.PendingRefresh!.StartedAt : started, _options.InstanceId, ResponseLost: inDoubt)
            : null;
        var working = await CommitAsync(record, record with { LastAttemptAt = started, PendingRefresh = intent ?? record.PendingRefresh }, lease, null, CommitKind.Intent, cancellationToken).ConfigureAwait(false)
            ?? throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the store refused the refresh intent (concurrent change); try again.", null);
        Log.RefreshStarted(_logger, id, TriggerName(flight.Trigger), source.Current?.Fingerprint ?? TokenFingerprint.None);

        var responseLost = inDoubt;
        var attempt = 0;
        var currentLease = lease;
        TokenResult result;
        try
        {
            result = await _retry.ExecuteAsync(
                async token =>
                {
                    attempt++;
                    await _manager.RateLimiter.AcquireAsync(clientKey, token).ConfigureAwait(false);

                    // Renew right before sending, after any wait: the lease must outlast this whole request.
                    currentLease = await KeepLeaseAsync(currentLease, token).ConfigureAwait(false);
                    var request = _manager.Requests.Create(registration, profile, usedRefreshToken);
                    var startedAt = _time.GetTimestamp();
                    var outcome = await _manager.Client.RequestTokenAsync(request, token).ConfigureAwait(false);
                    _metrics.RecordEndpoint(GrantName(registration.Grant), outcome.IsSuccess ? "success" : TagValue.Of(outcome.Failure.Kind), _time.GetElapsedTime(startedAt));
                    if (!outcome.IsSuccess)
                    {
                        Log.AttemptFailed(_logger, id, attempt, outcome.Failure.ToString());
                        responseLost |= outcome.Failure.MaybeProcessed;
                    }

                    return outcome;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            // Another instance took over; it re-reads the record before it sends anything. Do not commit a failure over its work.
            throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refresh lease was lost mid-refresh; another instance continues.", null);
        }

        if (result.IsSuccess)
        {
            return await CommitSuccessAsync(source, flight, working, currentLease, result.Tokens, usedRefreshToken, responseLost, cancellationToken).ConfigureAwait(false);
        }

        var failure = result.Failure;
        if (spendsRefreshToken && result.RotatedRefreshToken is { } rotated)
        {
            // The provider rotated but the rest of its answer is unusable: keep the new refresh token (the one sent is dead),
            // then fail this cycle like any garbled answer; the next attempt spends the kept token.
            working = await KeepRotatedRefreshTokenAsync(source, flight, working, currentLease, rotated, usedRefreshToken, cancellationToken).ConfigureAwait(false);
            return await FailTransientlyAsync(source, flight, working, currentLease, failure, keepInDoubt: false, cancellationToken).ConfigureAwait(false);
        }

        switch (failure.Kind)
        {
            case TokenFailureKind.InvalidGrant:
                var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
                var disabledSameGrant = latest.Status.State == ConnectionState.Disabled && latest.RefreshTokenGeneration == working.RefreshTokenGeneration;
                if (!latest.Status.IsUsable && !disabledSameGrant)
                {
                    // Re-marked (or disabled and re-authorised) while we were sending: leave its state alone, clear our intent,
                    // say what it is. Disabled with the same grant goes on below: the verdict is kept for when it is enabled.
                    await ClearIntentAsync(latest, currentLease, cancellationToken).ConfigureAwait(false);
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
                        return await RefreshUnderLeaseAsync(source, flight, latest, currentLease, secondChance: true, cancellationToken).ConfigureAwait(false);
                    }
                }

                var reason = responseLost
                    ? StateReasons.RotationLostInFlight
                    : RefreshTokenDeadlines.HasPassed(latest, profile, Now) ? StateReasons.RefreshTokenExpired : StateReasons.Revoked;
                return await FailPermanentlyAsync(source, flight, latest, currentLease, reason, failure.Description ?? failure.Message, cancellationToken).ConfigureAwait(false);

            case TokenFailureKind.InvalidClient:
                _manager.ClientHealth.MarkRejected(clientKey, failure.Description ?? failure.Message);
                return await FailPermanentlyAsync(source, flight, working, currentLease, StateReasons.InvalidClient, failure.Description ?? failure.Message, cancellationToken).ConfigureAwait(false);

            case TokenFailureKind.InvalidRequest:
                return await FailPermanentlyAsync(source, flight, working, currentLease, StateReasons.ConfigurationError, failure.Description ?? failure.Message, cancellationToken).ConfigureAwait(false);

            default:
                return await FailTransientlyAsync(source, flight, working, currentLease, failure, spendsRefreshToken && responseLost, cancellationToken).ConfigureAwait(false);
        }
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
            source.Uncommitted = new UncommittedTokens(tokens, working.RefreshTokenGeneration, usedRefreshToken, flight.Trigger);
            Log.CommitConflict(_logger, id, "store failed; tokens kept in memory until they can be committed: " + ex.GetType().Name, tokens.AccessToken.Fingerprint);
            throw new TokenStoreUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be stored ({ex.GetType().Name}); they are kept and committed before any further refresh.", ex);
        }

        if (committed is null)
        {
            var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (rotated && StillHolds(latest, working.RefreshTokenGeneration, usedRefreshToken))
            {
                // The commit gave up (repeated conflicts or store failures) but nobody replaced the spent refresh token: the
                // one just issued is the only live one. Keep it, exactly as when the store throws.
                source.Uncommitted = new UncommittedTokens(tokens, working.RefreshTokenGeneration, usedRefreshToken, flight.Trigger);
                Log.CommitConflict(_logger, id, "commit gave up; tokens kept in memory until they can be committed", tokens.AccessToken.Fingerprint);
                throw new TokenStoreUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be stored (the commit gave up); they are kept and committed before any further refresh.", null);
            }

            Log.CommitConflict(_logger, id, "superseded", tokens.AccessToken.Fingerprint);
            ThrowIfNotUsable(latest);
            if (TryAdopt(source, latest, flight, out var adopted))
            {
                return adopted;
            }

            throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be committed because another writer changed the connection.", null);
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
            source.Uncommitted = null;
            return (record, null);
        }

        // Both commits keep the tokens in memory again and throw TokenStoreUnavailableException whenever they could not store a
        // new refresh token while the store still holds the spent one (the store failed, or the commit gave up). Any other
        // outcome means the tokens are stored or superseded: forget them. That includes "stored, then not servable" (disabled
        // or re-marked meanwhile): storing them again would move LastRefreshAt, the refresh token's idle clock, with no refresh.
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
            source.Uncommitted = null;
            throw;
        }

        source.Uncommitted = null;
        return (await ReadAsync(record.ConnectionId, cancellationToken).ConfigureAwait(false), handle);
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
        ConnectionRecord? committed;
        try
        {
            committed = await CommitAsync(working, next, lease, null, CommitKind.Success, cancellationToken, merge: latest =>
                StillHolds(latest, working.RefreshTokenGeneration, spent) ? (Apply(latest), []) : null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Same as a success the store would not take: the salvaged token is the only live one, keep it in memory.
            throw KeepInMemory(ex.GetType().Name, ex);
        }

        if (committed is null)
        {
            // The commit gave up (conflicts, a lost lease, store failures). If another writer moved the connection on, theirs
            // wins; if the store still holds the spent token, ours is still the only live one: keep it in memory.
            var latest = await ReadAsync(working.ConnectionId, cancellationToken).ConfigureAwait(false);
            if (StillHolds(latest, working.RefreshTokenGeneration, spent))
            {
                throw KeepInMemory("the commit gave up", null);
            }

            Log.RotatedRefreshTokenKept(_logger, working.ConnectionId, spent?.Fingerprint ?? TokenFingerprint.None, rotated.Fingerprint, false);
            return latest;
        }

        Log.RotatedRefreshTokenKept(_logger, working.ConnectionId, spent?.Fingerprint ?? TokenFingerprint.None, rotated.Fingerprint, true);
        return committed;

        TokenStoreUnavailableException KeepInMemory(string why, Exception? inner)
        {
            source.Uncommitted = new UncommittedTokens(next.Tokens!, working.RefreshTokenGeneration, spent, flight.Trigger, RefreshTokenOnly: true);
            Log.RotatedRefreshTokenKept(_logger, working.ConnectionId, spent?.Fingerprint ?? TokenFingerprint.None, rotated.Fingerprint, false);
            return new TokenStoreUnavailableException(working.ConnectionId, $"Connection '{working.ConnectionId}': a rotated refresh token could not be stored ({why}); it is kept and committed before any further refresh.", inner);
        }
    }

    private async Task<ManagedAccessToken> FailTransientlyAsync(ConnectionTokenSource source, Flight flight, ConnectionRecord working, StoreLease lease, TokenEndpointFailure failure, bool keepInDoubt, CancellationToken cancellationToken)
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
    /// committed since, storing what the provider just issued is strictly better than dropping it) and retry store failures
    /// with backoff; intents and failures never overwrite a new lease holder's work. Returns the committed record or null.
    /// </summary>
    private async Task<ConnectionRecord?> CommitAsync(ConnectionRecord expected, ConnectionRecord next, StoreLease? lease, IReadOnlyList<ConnectionEvent>? events, CommitKind kind, CancellationToken cancellationToken, Func<ConnectionRecord, (ConnectionRecord Record, IReadOnlyList<ConnectionEvent> Events)?>? merge = null)
    {
        var id = expected.ConnectionId;
        var currentExpected = expected;
        var currentNext = next;
        var currentEvents = events;
        var storeFailures = 0;
        for (var attempt = 0; attempt < RefreshConstants.MaxCommitAttempts; attempt++)
        {
            CommitResult result;
            try
            {
                result = await _store.CommitAsync(new ConnectionCommit(currentNext, currentExpected.Version, lease, currentEvents), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (kind == CommitKind.Success && ex is not OperationCanceledException && ++storeFailures < RefreshConstants.MaxCommitAttempts)
            {
                Log.CommitConflict(_logger, id, $"store failed ({ex.GetType().Name}); retrying", TokenFingerprint.None);
                await Task.Delay(RefreshConstants.CommitRetryDelay * storeFailures, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }

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
    /// Contract 6: a lost answer is recovered inside the provider's grace window. When the old refresh token only works for
    /// a grace period after rotation, the retry comes within <see cref="RefreshConstants.InDoubtGraceShare"/> of it (halving
    /// the remaining grace once that point has passed), even if the back-off or a <c>Retry-After</c> asks for longer: after
    /// the window the grant could only be re-authorised.
    /// </summary>
    private static TimeSpan WithinRotationGrace(TimeSpan wait, DateTimeOffset firstSent, ProviderProfile profile, DateTimeOffset now)
    {
        if (profile.Rotation != RefreshTokenRotation.RotatingWithGrace || profile.RotationGrace <= TimeSpan.Zero)
        {
            return wait;
        }

        var target = firstSent + (profile.RotationGrace * RefreshConstants.InDoubtGraceShare);
        var end = firstSent + profile.RotationGrace;
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
