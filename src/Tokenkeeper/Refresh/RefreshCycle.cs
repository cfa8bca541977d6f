using System.Diagnostics;
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
/// it refreshed first, record the intent, send the grant with jittered retries, then either commit the new tokens with
/// compare-and-swap before anyone sees them, or classify the failure without ever overwriting stored credentials.
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
        _retry = new ResiliencePipelineBuilder<TokenResult> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<TokenResult>
            {
                MaxRetryAttempts = Math.Max(0, options.MaxAttempts - 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Result is { IsSuccess: false, Failure: { IsRetryable: true } failure }
                    && (failure.RetryAfter is null || failure.RetryAfter <= options.MaxRetryAfterInCycle)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.Failure?.RetryAfter is { } wait && wait > TimeSpan.Zero ? wait : (TimeSpan?)null),
            })
            .Build();
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Runs a refresh and returns the token callers should use now.</summary>
    public async Task<ManagedAccessToken> RunAsync(ConnectionTokenSource source, RefreshTrigger trigger, AccessToken? rejected, CancellationToken cancellationToken)
    {
        var id = source.ConnectionId;
        using var activity = TokenkeeperTelemetry.ActivitySource.StartActivity("tokenkeeper.refresh");
        activity?.SetTag("tokenkeeper.connection", id);
        activity?.SetTag("tokenkeeper.trigger", TriggerName(trigger));
        try
        {
            if (CachedIsGoodEnough(source, trigger, rejected) is { } cached)
            {
                return cached;
            }

            var record = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (TryAdopt(source, record, rejected, trigger, out var adopted))
            {
                return adopted;
            }

            EnsureRefreshable(record);
            var (lease, adoptedWhileWaiting) = await AcquireLeaseAsync(source, rejected, trigger, cancellationToken).ConfigureAwait(false);
            if (adoptedWhileWaiting is not null)
            {
                return adoptedWhileWaiting;
            }

            try
            {
                record = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
                if (TryAdopt(source, record, rejected, trigger, out adopted))
                {
                    return adopted;
                }

                EnsureRefreshable(record);
                var token = await RefreshUnderLeaseAsync(source, record, lease!, trigger, rejected, secondChance: false, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// The cached token, when a flight started just after another one published it: not the rejected token, and fresh
    /// (before its refresh-ahead point) or, for callers that only need a usable token, before its usable-until point.
    /// </summary>
    private ManagedAccessToken? CachedIsGoodEnough(ConnectionTokenSource source, RefreshTrigger trigger, AccessToken? rejected)
    {
        if (trigger is RefreshTrigger.Forced or RefreshTrigger.KeepAlive or RefreshTrigger.MinValidity || source.Current is not { } current || (rejected is { } bad && current.Token == bad))
        {
            return null;
        }

        var now = Now.UtcTicks;
        var goodEnough = trigger == RefreshTrigger.RefreshAhead ? now < current.RefreshAheadAtTicks : current.IsUsableAt(now, TimeSpan.Zero);
        return goodEnough ? current : null;
    }

    /// <summary>Adopts the stored token when it is new to this instance, not the rejected one, and usable.</summary>
    /// <param name="source">The connection's source.</param>
    /// <param name="record">The record just read.</param>
    /// <param name="rejected">A token a resource server rejected, never adopted.</param>
    /// <param name="trigger">Why the caller is here.</param>
    /// <param name="adopted">The adopted token.</param>
    /// <param name="loading">Whether this is the first load of the cache (not counted as an adoption).</param>
    public bool TryAdopt(ConnectionTokenSource source, ConnectionRecord record, AccessToken? rejected, RefreshTrigger trigger, out ManagedAccessToken adopted, bool loading = false)
    {
        adopted = null!;
        if (record.Tokens is not { AccessToken.IsEmpty: false } tokens || !record.Status.IsUsable)
        {
            return false;
        }

        if (rejected is { } bad && tokens.AccessToken == bad)
        {
            return false;
        }

        var current = source.Current;
        if (current is not null && current.Token == tokens.AccessToken)
        {
            return false;
        }

        var candidate = _manager.CreateHandle(record);
        if (!candidate.IsUsableAt(Now.UtcTicks, TimeSpan.Zero))
        {
            return false;
        }

        source.Publish(candidate);
        if (!loading)
        {
            _metrics.RecordRefresh(record.ConnectionId, TriggerName(trigger), "adopted");
            Log.Adopted(_logger, record.ConnectionId, candidate.Fingerprint, record.Version);
        }

        adopted = candidate;
        return true;
    }

    private async ValueTask<ConnectionRecord> ReadAsync(string id, CancellationToken cancellationToken) =>
        await _store.GetAsync(id, cancellationToken).ConfigureAwait(false)
        ?? throw new TokenkeeperConfigurationException($"The store has no connection '{id}'. Register it first.");

    private void EnsureRefreshable(ConnectionRecord record)
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

    private async Task<(StoreLease? Lease, ManagedAccessToken? Adopted)> AcquireLeaseAsync(ConnectionTokenSource source, AccessToken? rejected, RefreshTrigger trigger, CancellationToken cancellationToken)
    {
        var id = source.ConnectionId;
        var deadline = Now + _options.LeaseWaitTimeout;
        var delay = _options.LeasePollMin;
        while (true)
        {
            var lease = await _store.TryAcquireLeaseAsync(id, _options.InstanceId, _options.LeaseDuration, cancellationToken).ConfigureAwait(false);
            if (lease is not null)
            {
                return (lease, null);
            }

            if (await _store.GetLeaseAsync(id, cancellationToken).ConfigureAwait(false) is { } held && LeaseOwners.IsDeadLocalProcess(held.Owner))
            {
                // The holder died mid-refresh (killed): take over now. Its intent stays in the record, so this refresh is in doubt.
                Log.LeaseTakenOver(_logger, id, held.Owner);
                lease = await _store.TryAcquireLeaseAsync(id, _options.InstanceId, _options.LeaseDuration, cancellationToken, takeOverFrom: held.Owner).ConfigureAwait(false);
                if (lease is not null)
                {
                    return (lease, null);
                }
            }

            _metrics.RecordLeaseWait(id);
            if (Now >= deadline)
            {
                throw new TokenEndpointUnavailableException(id, $"Connection '{id}': another instance has held the refresh lease for over {_options.LeaseWaitTimeout.TotalSeconds:0} s.", null, Now + delay);
            }

            var jittered = TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() * 0.5))));
            await Task.Delay(jittered, _time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.LeasePollMax.Ticks));

            var record = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (TryAdopt(source, record, rejected, trigger, out var adopted))
            {
                return (null, adopted);
            }

            EnsureRefreshable(record);
        }
    }

    private async Task<ManagedAccessToken> RefreshUnderLeaseAsync(ConnectionTokenSource source, ConnectionRecord record, StoreLease lease, RefreshTrigger trigger, AccessToken? rejected, bool secondChance, CancellationToken cancellationToken)
    {
        var id = record.ConnectionId;
        var registration = record.Registration;
        var profile = _manager.GetProfile(id, registration);
        var clientKey = TokenRequestFactory.ClientKey(registration, profile);
        if (_manager.ClientHealth.IsRejected(clientKey, out var why))
        {
            return await FailPermanentlyAsync(source, record, lease, trigger, StateReasons.InvalidClient, why, cancellationToken).ConfigureAwait(false);
        }

        var spendsRefreshToken = registration.Grant == OAuthGrantType.RefreshToken;
        var usedRefreshToken = record.Tokens?.RefreshToken;
        var generation = record.RefreshTokenGeneration;
        var inDoubt = spendsRefreshToken && record.PendingRefresh is { } pending && pending.Generation == generation;
        if (inDoubt)
        {
            Log.InDoubt(_logger, id, generation, usedRefreshToken?.Fingerprint ?? TokenFingerprint.None);
        }

        // Record the intent before the refresh token leaves this process (contract 6).
        var started = Now;
        var intent = spendsRefreshToken
            ? new RefreshIntent(generation, usedRefreshToken!.Value.Fingerprint, started, _options.InstanceId, ResponseLost: inDoubt)
            : null;
        var working = await CommitAsync(record, record with { LastAttemptAt = started, PendingRefresh = intent ?? record.PendingRefresh }, lease, null, cancellationToken).ConfigureAwait(false)
            ?? throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the store refused the refresh intent (concurrent change); try again.", null);
        Log.RefreshStarted(_logger, id, TriggerName(trigger), source.Current?.Fingerprint ?? TokenFingerprint.None);

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
                    currentLease = await KeepLeaseAsync(currentLease, token).ConfigureAwait(false);
                    await _manager.RateLimiter.AcquireAsync(clientKey, token).ConfigureAwait(false);
                    var request = _manager.Requests.Create(registration, profile, usedRefreshToken);
                    var startedAt = _time.GetTimestamp();
                    var outcome = await _manager.Client.RequestTokenAsync(request, token).ConfigureAwait(false);
                    _metrics.RecordEndpoint(GrantName(registration.Grant), outcome.IsSuccess ? "success" : outcome.Failure.Kind.ToString(), _time.GetElapsedTime(startedAt));
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
            return await CommitSuccessAsync(source, working, currentLease, trigger, result.Tokens, usedRefreshToken, responseLost, cancellationToken).ConfigureAwait(false);
        }

        var failure = result.Failure;
        switch (failure.Kind)
        {
            case TokenFailureKind.InvalidGrant:
                var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
                if (spendsRefreshToken && latest.Tokens?.RefreshToken is { } storedToken && storedToken != usedRefreshToken)
                {
                    // A peer (or an operator) stored another refresh token while we held a stale one: theirs is the live one.
                    if (TryAdopt(source, latest, rejected, trigger, out var adopted))
                    {
                        return adopted;
                    }

                    if (!secondChance && latest.Status.IsUsable)
                    {
                        return await RefreshUnderLeaseAsync(source, latest, currentLease, trigger, rejected, secondChance: true, cancellationToken).ConfigureAwait(false);
                    }
                }

                var reason = responseLost
                    ? StateReasons.RotationLostInFlight
                    : RefreshTokenDeadlines.HasPassed(latest, profile, Now) ? StateReasons.RefreshTokenExpired : StateReasons.Revoked;
                return await FailPermanentlyAsync(source, latest, currentLease, trigger, reason, failure.Description ?? failure.Message, cancellationToken).ConfigureAwait(false);

            case TokenFailureKind.InvalidClient:
                _manager.ClientHealth.MarkRejected(clientKey, failure.Description ?? failure.Message);
                return await FailPermanentlyAsync(source, working, currentLease, trigger, StateReasons.InvalidClient, failure.Description ?? failure.Message, cancellationToken).ConfigureAwait(false);

            case TokenFailureKind.InvalidRequest:
                return await FailPermanentlyAsync(source, working, currentLease, trigger, StateReasons.ConfigurationError, failure.Description ?? failure.Message, cancellationToken).ConfigureAwait(false);

            default:
                return await FailTransientlyAsync(source, working, currentLease, trigger, failure, spendsRefreshToken && responseLost, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ManagedAccessToken> CommitSuccessAsync(ConnectionTokenSource source, ConnectionRecord working, StoreLease lease, RefreshTrigger trigger, TokenSet tokens, RefreshToken? usedRefreshToken, bool recoveredInDoubt, CancellationToken cancellationToken)
    {
        var id = working.ConnectionId;
        var now = Now;
        var rotated = tokens.RefreshToken is { } issued && issued != usedRefreshToken;
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
                Reason = TriggerName(trigger),
                Data = new Dictionary<string, string>
                {
                    ["access_token"] = tokens.AccessToken.Fingerprint,
                    ["refresh_token"] = tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None,
                    ["rotated"] = rotated ? "true" : "false",
                    ["expires_at"] = tokens.ExpiresAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["expiry_source"] = tokens.ExpirySource.ToString(),
                    ["recovered_in_doubt"] = recoveredInDoubt ? "true" : "false",
                },
            },
        };
        AddStateChange(events, working, next, now);

        var committed = await CommitAsync(working, next, lease, events, cancellationToken, merge: latest =>
        {
            // Only merge onto a record whose refresh token nobody else changed; otherwise the other change wins.
            if (latest.RefreshTokenGeneration != working.RefreshTokenGeneration || latest.Tokens?.RefreshToken != working.Tokens?.RefreshToken)
            {
                return null;
            }

            var merged = Apply(latest);
            return (merged, MergeEvents(events, latest, merged, now));
        }).ConfigureAwait(false);

        if (committed is null)
        {
            var latest = await ReadAsync(id, cancellationToken).ConfigureAwait(false);
            Log.CommitConflict(_logger, id, "superseded", tokens.AccessToken.Fingerprint);
            if (TryAdopt(source, latest, null, trigger, out var adopted))
            {
                return adopted;
            }

            throw new TokenEndpointUnavailableException(id, $"Connection '{id}': the refreshed tokens could not be committed because another writer changed the connection.", null);
        }

        var handle = _manager.CreateHandle(committed);
        source.Publish(handle);
        _metrics.RecordRefresh(id, TriggerName(trigger), "success");
        Log.Refreshed(_logger, id, TriggerName(trigger), handle.Fingerprint, tokens.Lifetime.TotalSeconds, tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None, rotated ? " (rotated)" : "");
        if (tokens.ExpirySource is ExpirySource.Default or ExpirySource.ProviderProfile)
        {
            _metrics.RecordDefaulted(tokens.ExpirySource.ToString());
            Log.ExpiryAssumed(_logger, id, tokens.ExpirySource.ToString(), tokens.Lifetime.TotalSeconds);
        }

        return handle;
    }

    private async Task<ManagedAccessToken> FailTransientlyAsync(ConnectionTokenSource source, ConnectionRecord working, StoreLease lease, RefreshTrigger trigger, TokenEndpointFailure failure, bool keepInDoubt, CancellationToken cancellationToken)
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
                Reason = failure.Kind.ToString(),
                Detail = failure.Message,
                Data = new Dictionary<string, string>
                {
                    ["consecutive_failures"] = next.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["next_attempt_at"] = next.NextAttemptAt!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                },
            },
        };
        AddStateChange(events, working, next, now);
        AddRepeatedFailureAlert(events, next, failure, now);
        var committed = await CommitAsync(working, next, lease, events, cancellationToken, merge: latest =>
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
        _metrics.RecordRefresh(id, TriggerName(trigger), failure.Kind.ToString());
        Log.RefreshFailed(_logger, id, failure.ToString(), final.ConsecutiveFailures, final.NextAttemptAt ?? now);
        throw new TokenEndpointUnavailableException(id, $"Connection '{id}': refresh failed: {failure.Message}", failure, final.NextAttemptAt);
    }

    private async Task<ManagedAccessToken> FailPermanentlyAsync(ConnectionTokenSource source, ConnectionRecord record, StoreLease lease, RefreshTrigger trigger, string reason, string? detail, CancellationToken cancellationToken)
    {
        var id = record.ConnectionId;
        var now = Now;
        ConnectionRecord Apply(ConnectionRecord baseRecord) => (baseRecord with
        {
            PendingRefresh = null,
            LastAttemptAt = now,
            LastError = detail,
            ConsecutiveFailures = baseRecord.ConsecutiveFailures + 1,
        }).WithStatus(ConnectionState.ReconnectRequired, reason, now, detail);

        var next = Apply(record);
        var events = new List<ConnectionEvent>();
        AddStateChange(events, record, next, now);
        events.Add(new ConnectionEvent { ConnectionId = id, Type = ConnectionEventTypes.ReconnectRequired, OccurredAt = now, State = nameof(ConnectionState.ReconnectRequired), Reason = reason, Detail = detail });
        await CommitAsync(record, next, lease, events, cancellationToken, merge: latest =>
            latest.RefreshTokenGeneration == record.RefreshTokenGeneration && latest.Status.IsUsable
                ? (Apply(latest), MergeEvents(events, latest, Apply(latest), now))
                : null).ConfigureAwait(false);

        source.Invalidate();
        _metrics.RecordRefresh(id, TriggerName(trigger), reason);
        Log.ReconnectRequired(_logger, id, reason, detail);
        throw new ReconnectRequiredException(id, reason, detail);
    }

    /// <summary>
    /// Commits with compare-and-swap. On a version conflict, re-reads and asks <paramref name="merge"/> to re-apply the change
    /// onto the newer record (null: give up). A lost lease falls back to a version-only commit: if nobody committed since we
    /// read, storing what the provider just issued is strictly better than dropping it. Returns the committed record or null.
    /// </summary>
    private async Task<ConnectionRecord?> CommitAsync(ConnectionRecord expected, ConnectionRecord next, StoreLease? lease, IReadOnlyList<ConnectionEvent>? events, CancellationToken cancellationToken, Func<ConnectionRecord, (ConnectionRecord Record, IReadOnlyList<ConnectionEvent> Events)?>? merge = null)
    {
        var id = expected.ConnectionId;
        var currentExpected = expected;
        var currentNext = next;
        var currentEvents = events;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var result = await _store.CommitAsync(new ConnectionCommit(currentNext, currentExpected.Version, lease, currentEvents), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return currentNext with { Version = result.Version };
            }

            _metrics.RecordConflict(id, result.Conflict.ToString());
            if (result.Conflict == CommitConflict.LeaseLost)
            {
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
        // Renew when less than half the lease is left, so an attempt (timeout included) always runs under a live lease.
        if (lease.ExpiresAt - Now > _options.LeaseDuration / 2)
        {
            return lease;
        }

        return await _store.RenewLeaseAsync(lease, _options.LeaseDuration, cancellationToken).ConfigureAwait(false) ?? throw new LeaseLostException();
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
                Reason = failure.Kind.ToString(),
                Detail = $"{next.ConsecutiveFailures} refresh attempts in a row failed; the last: {failure.Message}",
                Data = new Dictionary<string, string> { ["consecutive_failures"] = next.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture) },
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
        _ => "forced",
    };

    private static string GrantName(OAuthGrantType grant) => grant switch
    {
        OAuthGrantType.RefreshToken => "refresh_token",
        OAuthGrantType.ClientCredentials => "client_credentials",
        OAuthGrantType.AuthorizationCode => "authorization_code",
        _ => "jwt_bearer",
    };

    private sealed class LeaseLostException : Exception;
}
