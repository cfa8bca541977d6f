using System.Collections.Concurrent;
using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Keeps every connection's access token valid: cached tokens served lock-free, refresh-ahead in the background,
/// one refresh per connection in flight, leased and compare-and-swap-committed refreshes shared safely with other
/// processes through the store, and typed failures that never destroy stored credentials (DESIGN.md contracts 1-8).
/// </summary>
/// <remarks>Create one per process (per store), or let <c>AddTokenkeeper()</c> do it.</remarks>
public sealed class TokenManager : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConnectionTokenSource> _sources = new(StringComparer.Ordinal);
    private readonly Lock _snapshotLock = new();
    private FrozenDictionary<string, ConnectionTokenSource> _sourceSnapshot = FrozenDictionary<string, ConnectionTokenSource>.Empty;
    private readonly ConcurrentDictionary<string, ConnectionDefinition> _definitions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<RegistrationOutcome>>> _registrations = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _authLoopAlerts = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _stopGate = new();
    private Task? _stopped;
    private readonly TokenManagerOptions _options;
    private readonly ILogger _logger;
    private readonly bool _ownsMetrics;

    /// <summary>Creates a manager.</summary>
    /// <param name="store">The store: the single source of truth for tokens.</param>
    /// <param name="client">The token endpoint client.</param>
    /// <param name="options">Refresh options; defaults when null.</param>
    /// <param name="timeProvider">The clock. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="loggerFactory">Logging; nothing is logged when null.</param>
    /// <param name="metrics">Metrics; a private meter when null.</param>
    /// <param name="connections">Connections declared in code, registered in the store on first use.</param>
    public TokenManager(
        ITokenStore store,
        TokenEndpointClient client,
        TokenManagerOptions? options = null,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        TokenkeeperMetrics? metrics = null,
        IEnumerable<ConnectionDefinition>? connections = null)
    {
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? new TokenManagerOptions();
        _options.Validate();
        TimeProvider = timeProvider ?? TimeProvider.System;
        _ownsMetrics = metrics is null;
        Metrics = metrics ?? new TokenkeeperMetrics();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Tokenkeeper");
        foreach (var definition in connections ?? [])
        {
            Define(definition);
        }

        RateLimiter = new TokenEndpointRateLimiter(TimeProvider, _options.TokenEndpointRequestsPerSecond, _options.TokenEndpointBurst);
        Requests = new TokenRequestFactory(TimeProvider, _options);
        Cycle = new RefreshCycle(this, _options, _logger);
    }

    /// <summary>The store.</summary>
    public ITokenStore Store { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Counters and instruments (refreshes, joins, replays, conflicts, …).</summary>
    public TokenkeeperMetrics Metrics { get; }

    /// <summary>This instance's id in leases and intents.</summary>
    public string InstanceId => _options.InstanceId;

    internal TokenEndpointClient Client { get; }

    internal TokenEndpointRateLimiter RateLimiter { get; }

    internal TokenRequestFactory Requests { get; }

    internal RefreshCycle Cycle { get; }

    internal ClientHealth ClientHealth { get; } = new();

    /// <summary>Trips when the manager stops: ends waits so nothing new is sent. Never cancels a request already sent.</summary>
    internal CancellationToken StoppingToken => _stopping.Token;

    /// <summary>Whether <see cref="StopAsync"/> has begun: no new refresh starts.</summary>
    internal bool IsStopping => _stopping.IsCancellationRequested;

    internal ILogger Logger => _logger;

    /// <summary>Declares a connection; it is registered in the store on first use (or by <see cref="RegisterAsync"/>).</summary>
    public void Define(ConnectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrWhiteSpace(definition.ConnectionId);
        EndpointSecurity.EnsureAllowed(definition.Registration.TokenEndpoint, definition.Registration.AllowInsecureHttp);
        if (definition.Registration.IntrospectionEndpoint is { } introspection)
        {
            EndpointSecurity.EnsureAllowed(introspection, definition.Registration.AllowInsecureHttp, "introspection endpoint");
        }

        if (definition.Registration.RotationGrace is { } grace && grace < TimeSpan.Zero)
        {
            throw new TokenkeeperConfigurationException($"Connection '{definition.ConnectionId}': the rotation grace cannot be negative.");
        }
        if (definition.Profile is null && !ProviderProfiles.TryGet(definition.Registration.Provider, out _))
        {
            throw new TokenkeeperConfigurationException($"Connection '{definition.ConnectionId}': unknown provider '{definition.Registration.Provider}'. Known providers: {string.Join(", ", ProviderProfiles.All.Select(p => p.Name))}.");
        }

        _definitions[definition.ConnectionId] = definition;
        _registrations.TryRemove(definition.ConnectionId, out _);
    }

    /// <summary>The token source of a connection: what the HTTP handler and jobs ask for tokens.</summary>
    public IAccessTokenSource GetSource(string connectionId) => SourceOf(connectionId);

    /// <summary>Returns a valid access token for <paramref name="connectionId"/> (see <see cref="IAccessTokenSource.GetTokenAsync"/>).</summary>
    /// <exception cref="TokenAcquisitionException">No usable token can be had.</exception>
    public ValueTask<ManagedAccessToken> GetAccessTokenAsync(string connectionId, TimeSpan minValidity = default, CancellationToken cancellationToken = default) =>
        SourceOf(connectionId).GetTokenAsync(minValidity, cancellationToken);

    /// <summary>Refreshes now, whatever the token's age (keep-alive, operator), through the same single flight, lease and commit.</summary>
    /// <exception cref="TokenAcquisitionException">The refresh failed.</exception>
    public Task<ManagedAccessToken> RefreshAsync(string connectionId, CancellationToken cancellationToken = default) =>
        SourceOf(connectionId).RefreshAsync(RefreshTrigger.Forced, cancellationToken);

    /// <summary>Refreshes to exercise the refresh token (keep-alive) or to probe one past its deadline.</summary>
    internal Task<ManagedAccessToken> KeepAliveAsync(string connectionId, CancellationToken cancellationToken) =>
        SourceOf(connectionId).RefreshAsync(RefreshTrigger.KeepAlive, cancellationToken);

    /// <summary>
    /// Called by the HTTP handler when a resource server rejected a request again after its replay with a new token: a
    /// possible auth loop (a revoked grant the token endpoint still serves, a wrong audience or scope). Enqueues an
    /// <c>auth_loop</c> alert, at most one per connection per <see cref="LifecycleConstants.AuthLoopAlertInterval"/>.
    /// </summary>
    public async ValueTask ReportAuthLoopAsync(string connectionId, ManagedAccessToken rejected, string method, string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var now = TimeProvider.GetUtcNow();
        if (Store is not IEventOutbox outbox || !ClaimAuthLoopAlert(connectionId, now))
        {
            return;
        }

        await outbox.EnqueueAsync(
            [
                new ConnectionEvent
                {
                    ConnectionId = connectionId,
                    Type = ConnectionEventTypes.AuthLoop,
                    OccurredAt = now,
                    Detail = $"{method} {path} was rejected again after a replay with a freshly obtained token",
                    Data = new Dictionary<string, string> { ["access_token"] = rejected.Fingerprint },
                },
            ],
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a connection's record (tokens included: keep it in memory only).</summary>
    public ValueTask<ConnectionRecord?> GetConnectionAsync(string connectionId, CancellationToken cancellationToken = default) =>
        Store.GetAsync(connectionId, cancellationToken);

    /// <summary>The provider profile a connection uses, with the registration's rotation overrides applied.</summary>
    public ProviderProfile GetProfile(string connectionId, ConnectionRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var profile = _definitions.TryGetValue(connectionId, out var definition) && definition.Profile is { } custom ? custom
            : ProviderProfiles.TryGet(registration.Provider, out var named) ? named
            : ProviderProfiles.Generic;
        return registration.Rotation is null && registration.RotationGrace is null
            ? profile
            : profile with { Rotation = registration.Rotation ?? profile.Rotation, RotationGrace = registration.RotationGrace ?? profile.RotationGrace };
    }

    /// <summary>How a connection's resource servers signal a rejected token: its provider profile's matcher.</summary>
    public async ValueTask<Http.IAuthFailureMatcher> GetAuthFailureMatcherAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        if (_definitions.TryGetValue(connectionId, out var definition))
        {
            return GetProfile(connectionId, definition.Registration).AuthFailureMatcher;
        }

        var record = await Store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false);
        return record is null ? Http.BearerChallengeMatcher.Instance : GetProfile(connectionId, record.Registration).AuthFailureMatcher;
    }

    private bool ClaimAuthLoopAlert(string connectionId, DateTimeOffset now)
    {
        while (true)
        {
            if (_authLoopAlerts.TryGetValue(connectionId, out var last))
            {
                if (now - last < LifecycleConstants.AuthLoopAlertInterval)
                {
                    return false;
                }

                if (_authLoopAlerts.TryUpdate(connectionId, now, last))
                {
                    return true;
                }
            }
            else if (_authLoopAlerts.TryAdd(connectionId, now))
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Registers a connection in the store. A store that does not know it creates it (with the bootstrap refresh token, if
    /// any); a store that does keeps its tokens — the live, rotated ones — and only updates the registration. A dead grant
    /// (<see cref="ConnectionState.ReconnectRequired"/>) is replaced when the bootstrap refresh token is a different one.
    /// </summary>
    public async Task<RegistrationOutcome> RegisterAsync(ConnectionDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Define(definition);
        return await EnsureRegisteredAsync(definition.ConnectionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores freshly authorised tokens (from a code exchange, a reconnect, or a bootstrap refresh token): the connection becomes
    /// <see cref="ConnectionState.Active"/>, its failure counters reset and its authorisation time is now.
    /// </summary>
    public async Task<ConnectionRecord> AuthorizeAsync(string connectionId, TokenSet tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        await EnsureRegisteredAsync(connectionId, cancellationToken).ConfigureAwait(false);
        var committed = await AuthorizeCoreAsync(connectionId, tokens, null, cancellationToken).ConfigureAwait(false);

        ClientHealth.Clear(TokenRequestFactory.ClientKey(committed.Registration, GetProfile(connectionId, committed.Registration)));
        var source = SourceOf(connectionId);
        Cycle.TryAdopt(source, committed, new Flight(RefreshTrigger.NoToken, null, TimeSpan.Zero, source.Epoch), out _, loading: true);
        Log.Authorized(_logger, connectionId, tokens.AccessToken.IsEmpty ? TokenFingerprint.None : tokens.AccessToken.Fingerprint, tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
        return committed;
    }

    /// <summary>Disables a connection: no token is served and nothing is refreshed until <see cref="EnableAsync"/>.</summary>
    public async Task<ConnectionRecord> DisableAsync(string connectionId, string? detail = null, CancellationToken cancellationToken = default)
    {
        var committed = await UpdateAsync(connectionId, (record, now) =>
        {
            var next = record.WithStatus(ConnectionState.Disabled, StateReasons.DisabledByOperator, now, detail) with
            {
                StatusBeforeDisabled = record.Status.State switch
                {
                    ConnectionState.ReconnectRequired => record.Status,
                    ConnectionState.Disabled => record.StatusBeforeDisabled,
                    _ => null,
                },
            };
            return (next, StateEvents(record, next, now));
        }, cancellationToken).ConfigureAwait(false);
        SourceOf(connectionId).Reset();
        return committed;
    }

    /// <summary>Enables a disabled connection. It becomes <see cref="ConnectionState.Active"/>, or
    /// <see cref="ConnectionState.PendingAuthorization"/> without tokens, or <see cref="ConnectionState.ReconnectRequired"/> (with
    /// the original reason) when it was disabled while needing re-authorisation and no new grant has arrived since: enabling does
    /// not make a dead refresh token live.</summary>
    public async Task<ConnectionRecord> EnableAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        SourceOf(connectionId).Reset();
        return await UpdateAsync(connectionId, (record, now) =>
        {
            if (record.Status.State != ConnectionState.Disabled)
            {
                return (record, []);
            }

            var authorized = record.Tokens?.RefreshToken is not null || record.Registration.Grant != OAuthGrantType.RefreshToken;
            var next = (record.StatusBeforeDisabled, authorized) switch
            {
                ({ State: ConnectionState.ReconnectRequired } before, _) => record.WithStatus(ConnectionState.ReconnectRequired, before.Reason, now, before.Detail),
                (_, true) => record.WithStatus(ConnectionState.Active, StateReasons.Authorized, now),
                _ => record.WithStatus(ConnectionState.PendingAuthorization, StateReasons.NotAuthorized, now),
            } with { StatusBeforeDisabled = null };

            // Back to needing a person: say so again, as loudly as the first time (the alert goes to the webhooks).
            return next.Status.State == ConnectionState.ReconnectRequired
                ? (next, [.. StateEvents(record, next, now), ConnectionEvents.ReconnectRequired(connectionId, next.Status.Reason, next.Status.Detail, now)])
                : (next, StateEvents(record, next, now));
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops, without abandoning anything the provider may have acted on (DESIGN.md contract 4): no new refresh starts (no
    /// refresh-ahead, no retry not yet sent, no wait for a lease goes on); every token request already sent is waited for until it
    /// answers or times out (one attempt's timeout), and what it returns is committed; tokens the store would not take are stored
    /// if the store comes back within <see cref="TokenManagerOptions.StoreWaitAtStop"/>, and otherwise stay kept beside a
    /// persistent store for the next process; leases are released. Cached tokens are still served meanwhile. Idempotent.
    /// </summary>
    /// <param name="cancellationToken">A host's shutdown deadline. It does not cut the wait short (that would abandon a request the
    /// provider may have acted on, and with it a rotated refresh token); it only makes the wait say so in the log.</param>
    public Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task stopped;
        lock (_stopGate)
        {
            stopped = _stopped ??= StopCoreAsync();
        }

        return stopped.IsCompleted || !cancellationToken.CanBeCanceled ? stopped : WarnIfHostGivesUpAsync(stopped, cancellationToken);
    }

    /// <summary>Stops (see <see cref="StopAsync"/>), then releases what the manager owns.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        RateLimiter.Dispose();
        if (_ownsMetrics)
        {
            Metrics.Dispose();
        }
    }

    private async Task StopCoreAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        var sources = _sources.Values.ToArray();
        var inFlight = sources.Count(s => s.IsRefreshing);
        if (inFlight > 0)
        {
            Log.StoppingWithRefreshesInFlight(_logger, inFlight);
        }

        await Task.WhenAll(sources.Select(s => s.DrainAsync())).ConfigureAwait(false);

        // All at once, so stopping waits for the store once, not once per connection.
        await Task.WhenAll(sources.Select(s => Cycle.StoreKeptAtStopAsync(s, _options.StoreWaitAtStop))).ConfigureAwait(false);
    }

    private async Task WarnIfHostGivesUpAsync(Task stopped, CancellationToken cancellationToken)
    {
        try
        {
            await stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StopOutlastsHost(_logger, _sources.Values.Count(s => s.IsRefreshing));
            await stopped.ConfigureAwait(false);
        }
    }

    internal ManagedAccessToken CreateHandle(ConnectionRecord record)
    {
        var tokens = record.Tokens ?? throw new InvalidOperationException("The record has no tokens.");
        var profile = GetProfile(record.ConnectionId, record.Registration);
        var windows = TokenWindows.Compute(tokens.IssuedAt, tokens.ExpiresAt, profile.Windows ?? _options.Windows, _options.RefreshAheadJitter);
        return new ManagedAccessToken(record.ConnectionId, tokens, windows, record.Version);
    }

    internal Task<RegistrationOutcome> EnsureRegisteredAsync(string connectionId, CancellationToken cancellationToken)
    {
        if (!_definitions.ContainsKey(connectionId))
        {
            return Task.FromResult(new RegistrationOutcome(false, false, false, false));
        }

        var lazy = _registrations.GetOrAdd(connectionId, id => new Lazy<Task<RegistrationOutcome>>(() => RegisterCoreAsync(_definitions[id], _stopping.Token)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            _registrations.TryRemove(new KeyValuePair<string, Lazy<Task<RegistrationOutcome>>>(connectionId, lazy));
        }

        return task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The source of a connection. Lookups by name are on every <see cref="GetAccessTokenAsync"/>, so known sources are
    /// read from a frozen snapshot (no hashing of the whole name, no locks: about 10 ns less than the concurrent
    /// dictionary, see docs/performance.md); the snapshot is rebuilt when a source is added, at most each time the
    /// number of sources doubles once there are many, so names from untrusted input cannot make lookups quadratic.
    /// </summary>
    private ConnectionTokenSource SourceOf(string connectionId)
    {
        if (connectionId is not null && Volatile.Read(ref _sourceSnapshot).TryGetValue(connectionId, out var known))
        {
            return known;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(connectionId);
        if (_sources.TryGetValue(connectionId, out var existing))
        {
            return existing; // added since the last rebuild (only with very many connections)
        }

        var source = _sources.GetOrAdd(connectionId, static (id, manager) => new ConnectionTokenSource(manager, id), this);
        lock (_snapshotLock)
        {
            var snapshot = _sourceSnapshot;
            if (!snapshot.ContainsKey(connectionId)
                && (_sources.Count <= RefreshConstants.SourceSnapshotAlwaysRebuildBelow || _sources.Count >= 2 * snapshot.Count))
            {
                Volatile.Write(ref _sourceSnapshot, _sources.ToFrozenDictionary(StringComparer.Ordinal));
            }
        }

        return source;
    }

    private async Task<RegistrationOutcome> RegisterCoreAsync(ConnectionDefinition definition, CancellationToken cancellationToken)
    {
        var id = definition.ConnectionId;
        var now = TimeProvider.GetUtcNow();
        var registration = definition.Registration;
        var bootstrap = definition.BootstrapRefreshToken;
        var authorized = bootstrap is not null || registration.Grant != OAuthGrantType.RefreshToken;
        var initial = new ConnectionRecord
        {
            ConnectionId = id,
            Registration = registration,
            Tokens = bootstrap is { } token ? TokenSets.FromRefreshToken(token, now, registration.Scope) : null,
            Status = authorized
                ? new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, now)
                : new ConnectionStatus(ConnectionState.PendingAuthorization, StateReasons.NotAuthorized, now),
            CreatedAt = now,
            AuthorizedAt = authorized ? definition.AuthorizedAt ?? now : null,
            RefreshTokenGeneration = bootstrap is null ? 0 : 1,
            BootstrapHash = bootstrap is { } applied ? HashOf(applied) : null,
        };
        var created = ConnectionEvents.StateChanged(null, initial, now)!;
        var (stored, wasCreated) = await Store.GetOrCreateAsync(initial, [created], cancellationToken).ConfigureAwait(false);
        if (wasCreated)
        {
            return new RegistrationOutcome(true, false, false, false);
        }

        // Every decision below is taken again on the latest record at each compare-and-swap attempt: a peer registering,
        // re-authorising or refreshing at the same moment is never overwritten by a decision made on an older snapshot.
        var updated = false;
        var reauthorized = false;
        var ignored = false;
        var spent = false;
        if (!stored.Registration.SameAs(registration))
        {
            SourceOf(id).Reset();
            await UpdateAsync(id, (record, at) =>
            {
                updated = !record.Registration.SameAs(registration);
                if (!updated)
                {
                    return (record, []);
                }

                // A client or configuration error is about the registration: a changed registration is the fix, so the
                // connection gets another chance with the tokens it has (the grant itself was never refused).
                var next = record with { Registration = registration, NextAttemptAt = null };
                next = next.Status is { State: ConnectionState.ReconnectRequired, Reason: StateReasons.InvalidClient or StateReasons.ConfigurationError }
                    ? next.WithStatus(ConnectionState.Active, StateReasons.Reconfigured, at)
                    : next;
                next = next.StatusBeforeDisabled is { Reason: StateReasons.InvalidClient or StateReasons.ConfigurationError }
                    ? next with { StatusBeforeDisabled = null }
                    : next;
                return (next, StateEvents(record, next, at));
            }, cancellationToken).ConfigureAwait(false);
        }

        if (bootstrap is { } offered)
        {
            await UpdateAsync(id, (record, at) =>
            {
                reauthorized = false;
                ignored = false;
                spent = false;
                if (record.Tokens?.RefreshToken == offered)
                {
                    return (record, []);
                }

                if (!GrantIsDead(record))
                {
                    // The store holds a live (possibly rotated) refresh token: it wins over the configured one.
                    ignored = record.Tokens?.RefreshToken is not null;
                    return (record, []);
                }

                if (record.Tokens?.RefreshToken is not null && record.BootstrapHash == HashOf(offered))
                {
                    // The grant this very token started is dead: applying it again cannot bring it back.
                    spent = true;
                    return (record, []);
                }

                reauthorized = true;
                var next = Authorized(record, TokenSets.FromRefreshToken(offered, at, registration.Scope), definition.AuthorizedAt, at) with { BootstrapHash = HashOf(offered) };
                return (next, StateEvents(record, next, at));
            }, cancellationToken).ConfigureAwait(false);
        }

        if (reauthorized)
        {
            SourceOf(id).Reset();
        }
        else if (ignored)
        {
            Log.BootstrapIgnored(_logger, id, (await Store.GetAsync(id, cancellationToken).ConfigureAwait(false))?.Tokens?.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
        }

        return new RegistrationOutcome(false, updated, ignored, reauthorized) { BootstrapSpent = spent };
    }

    private static string HashOf(RefreshToken token) => token.Sha256Hex();

    /// <summary>Whether the stored grant can no longer be used and a new refresh token may replace it: never authorised, or the
    /// provider refused the grant itself (revoked, expired, lost in flight), now or before the connection was disabled. Client and
    /// configuration errors are not that.</summary>
    private static bool GrantIsDead(ConnectionRecord record) =>
        record.Tokens?.RefreshToken is null
        || record.Status.State == ConnectionState.PendingAuthorization
        || IsDeadGrant(record.Status)
        || (record.Status.State == ConnectionState.Disabled && record.StatusBeforeDisabled is { } before && IsDeadGrant(before));

    private static bool IsDeadGrant(ConnectionStatus status) =>
        status is { State: ConnectionState.ReconnectRequired, Reason: StateReasons.Revoked or StateReasons.RefreshTokenExpired or StateReasons.RotationLostInFlight or StateReasons.NotAuthorized };

    private static ConnectionRecord Authorized(ConnectionRecord record, TokenSet tokens, DateTimeOffset? authorizedAt, DateTimeOffset now)
    {
        var next = record with
        {
            Tokens = tokens,
            AuthorizedAt = authorizedAt ?? now,
            LastRefreshAt = tokens.AccessToken.IsEmpty ? record.LastRefreshAt : now,
            ConsecutiveFailures = 0,
            LastError = null,
            NextAttemptAt = null,
            PendingRefresh = null,
            RefreshTokenGeneration = record.RefreshTokenGeneration + 1,
            WarnedDeadline = null,
            ExpiryWarningsSent = [],
            StatusBeforeDisabled = null,
        };
        return record.Status.State == ConnectionState.Disabled ? next : next.WithStatus(ConnectionState.Active, StateReasons.Authorized, now);
    }

    private async Task<ConnectionRecord> AuthorizeCoreAsync(string connectionId, TokenSet tokens, DateTimeOffset? authorizedAt, CancellationToken cancellationToken)
    {
        SourceOf(connectionId).Reset();
        var committed = await UpdateAsync(connectionId, (record, now) =>
        {
            var next = Authorized(record, tokens, authorizedAt, now);
            return (next, StateEvents(record, next, now));
        }, cancellationToken).ConfigureAwait(false);
        SourceOf(connectionId).Reset();
        return committed;
    }

    /// <summary>Applies <paramref name="change"/> to the stored record with compare-and-swap, re-reading and re-applying on conflicts.
    /// Returning the same record instance commits nothing.</summary>
    internal async Task<ConnectionRecord> UpdateAsync(string connectionId, Func<ConnectionRecord, DateTimeOffset, (ConnectionRecord Next, IReadOnlyList<ConnectionEvent> Events)> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var record = await Store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false)
                ?? throw new TokenkeeperConfigurationException($"The store has no connection '{connectionId}'.");
            var (next, events) = change(record, TimeProvider.GetUtcNow());
            if (ReferenceEquals(next, record))
            {
                return record;
            }

            var result = await Store.CommitAsync(new ConnectionCommit(next, record.Version, null, events), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return next with { Version = result.Version };
            }

            Metrics.RecordConflict(connectionId, TagValue.Of(result.Conflict));
        }
    }

    private static IReadOnlyList<ConnectionEvent> StateEvents(ConnectionRecord before, ConnectionRecord after, DateTimeOffset now) =>
        ConnectionEvents.StateChanged(before, after, now) is { } changed ? [changed] : [];
}
