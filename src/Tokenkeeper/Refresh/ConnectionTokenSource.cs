namespace Tokenkeeper.Refresh;

/// <summary>
/// One connection's tokens in this process: the cached token (read lock-free and allocation-free on the hot path), its single
/// refresh in flight (<see cref="FlightGate"/>) and the tokens it keeps while the store will not take them
/// (<see cref="KeptTokenSlot"/>) (DESIGN.md contracts 2, 3 and 7).
/// </summary>
internal sealed class ConnectionTokenSource : IAccessTokenSource
{
    private readonly RefreshEngine _engine;
    private readonly TimeProvider _time;
    private readonly Diagnostics.TokenkeeperMetrics _metrics;
    private readonly Func<CancellationToken, Task> _ensureRegistered;
    private readonly CancellationToken _stopping;
    private readonly FlightGate _flights;
    private readonly Lock _loadGate = new();
    private volatile ManagedAccessToken? _current;
    private Task? _loading;
    private int _epoch;
    private (Storage.RefreshIntent Intent, DateTimeOffset At)? _foreignIntentSeen;

    /// <summary>When this instance first saw <paramref name="intent"/> (another instance's refresh intent) on the record: now, unless
    /// it saw the same intent before.</summary>
    internal DateTimeOffset FirstSeen(Storage.RefreshIntent intent, DateTimeOffset now)
    {
        lock (_loadGate)
        {
            if (_foreignIntentSeen is { } seen && seen.Intent == intent)
            {
                return seen.At;
            }

            _foreignIntentSeen = (intent, now);
            return now;
        }
    }

    /// <summary>Creates the source of <paramref name="connectionId"/>.</summary>
    /// <param name="connectionId">The connection.</param>
    /// <param name="engine">The refresh path.</param>
    /// <param name="ensureRegistered">Registers the connection in the store if it is declared in code and not registered yet.</param>
    /// <param name="stopping">Trips when the manager stops: no refresh starts after that.</param>
    public ConnectionTokenSource(string connectionId, RefreshEngine engine, Func<CancellationToken, Task> ensureRegistered, CancellationToken stopping)
    {
        ConnectionId = connectionId;
        _engine = engine;
        _time = engine.Context.Time;
        _metrics = engine.Context.Metrics;
        _ensureRegistered = ensureRegistered;
        _stopping = stopping;
        _flights = new FlightGate(connectionId, _time, _metrics, () => Epoch, (flight, stop) => engine.Coordinator.RunAsync(this, flight, stop), stopping);
        Kept = new KeptTokenSlot(_time, () => _flights.StartOrJoin(RefreshTrigger.StoreKept, null, TimeSpan.Zero, countJoin: false, ignoreBackoff: true), stopping);
    }

    public string ConnectionId { get; }

    /// <summary>Whether a refresh of this connection is in flight.</summary>
    public bool IsRefreshing => _flights.IsRunning;

    /// <summary>The cached token, if any.</summary>
    public ManagedAccessToken? Current => _current;

    /// <summary>Changes whenever the connection is re-authorised, enabled or disabled.</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>Tokens issued but not yet committed (the store failed, or the commit gave up): committed before any further
    /// refresh, and stored in the background until stored or superseded.</summary>
    public KeptTokenSlot Kept { get; }

    /// <summary>Waits for this connection's refresh in flight and its background storing of kept tokens to end (the manager is
    /// stopping, so neither starts again). Their failures are theirs to report; here they are only waited for.</summary>
    public async Task DrainAsync()
    {
        foreach (var task in new[] { _flights.Latest, Kept.Loop })
        {
            if (task is not null)
            {
                await task.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
    }

    public ValueTask<ManagedAccessToken> GetTokenAsync(TimeSpan minValidity = default, CancellationToken cancellationToken = default)
    {
        var current = _current;
        if (current is not null)
        {
            var now = _time.GetUtcNow().UtcTicks;
            if (now < current.RefreshAheadAtTicks && (minValidity <= TimeSpan.Zero || now + minValidity.Ticks <= current.ExpiresAtTicks))
            {
                if (_metrics.RemainingLifetimeEnabled)
                {
                    _metrics.RecordRemaining(ConnectionId, TimeSpan.FromTicks(current.ExpiresAtTicks - now));
                }

                return new ValueTask<ManagedAccessToken>(current);
            }

            // In the refresh-ahead window while a refresh already runs or backs off: still no allocation, and only plain reads.
            if (current.IsUsableAt(now, minValidity) && (now < _flights.NotBeforeTicks || _flights.IsRunning))
            {
                return new ValueTask<ManagedAccessToken>(current);
            }
        }

        return new ValueTask<ManagedAccessToken>(GetSlowAsync(minValidity, cancellationToken));
    }

    public async ValueTask<ManagedAccessToken> GetTokenAfterRejectionAsync(ManagedAccessToken rejected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        Invalidate(rejected);
        var current = _current;
        if (current is not null && current.Token != rejected.Token && current.IsUsableAt(_time.GetUtcNow().UtcTicks, TimeSpan.Zero))
        {
            return current;
        }

        for (var round = 0; round < 2; round++)
        {
            var fresh = await _flights.StartOrJoin(RefreshTrigger.Rejected, rejected.Token, TimeSpan.Zero).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (fresh.Token != rejected.Token && _time.GetUtcNow().UtcTicks < fresh.ExpiresAtTicks)
            {
                return fresh;
            }
        }

        throw new TokenAcquisitionException(ConnectionId, $"Connection '{ConnectionId}': the provider keeps handing out the token its resource server rejected ({rejected.Fingerprint}).", cause: FailureCause.Provider);
    }

    /// <summary>Forces a refresh (keep-alive, operator), joining one already in flight.</summary>
    public async Task<ManagedAccessToken> RefreshAsync(RefreshTrigger trigger, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return await _flights.StartOrJoin(trigger, null, TimeSpan.Zero, ignoreBackoff: true).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="token"/> the cached token unless the connection changed since <paramref name="epoch"/> or a
    /// newer token is already cached. Returns whether it was published.</summary>
    public bool Publish(ManagedAccessToken token, int epoch)
    {
        while (true)
        {
            var seen = _current;
            if (epoch != Epoch || (seen is not null && seen.Version > token.Version))
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _current, token, seen) == seen)
            {
                _flights.ClearBackoff();
                return epoch == Epoch;
            }
        }
    }

    /// <summary>Forgets the cached token and any failure backoff, and starts a new epoch: the connection was re-authorised,
    /// reconfigured, enabled or disabled, so nothing obtained before may be published. Kept tokens stay kept: they may hold the
    /// only live refresh token, and the next commit attempt drops them by itself if the store has moved to another grant.</summary>
    public void Reset()
    {
        Interlocked.Increment(ref _epoch);
        _current = null;
        _flights.ClearBackoff();
    }

    /// <summary>Drops the cached token (only if it is still <paramref name="only"/>, when given).</summary>
    public void Invalidate(ManagedAccessToken? only = null)
    {
        if (only is null)
        {
            _current = null;
        }
        else
        {
            Interlocked.CompareExchange(ref _current, null, only);
        }
    }

    /// <summary>Loads the stored token into the cache once (and again after a failed load).</summary>
    public Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        Task loading;
        lock (_loadGate)
        {
            if (_loading is null || _loading.IsFaulted || _loading.IsCanceled)
            {
                _loading = Task.Run(LoadAsync, CancellationToken.None);
            }

            loading = _loading;
        }

        return loading.IsCompletedSuccessfully ? Task.CompletedTask : loading.WaitAsync(cancellationToken);
    }

    private async Task LoadAsync()
    {
        try
        {
            await _ensureRegistered(_stopping).ConfigureAwait(false);
            var record = await _engine.Context.Store.GetAsync(ConnectionId, _stopping).ConfigureAwait(false)
                ?? throw new TokenkeeperConfigurationException($"The store has no connection '{ConnectionId}' and none is registered under that id.");
            _engine.Adopter.TryAdopt(this, record, new Flight(RefreshTrigger.NoToken, null, TimeSpan.Zero, Epoch), out _, loading: true);

            // Tokens another process kept beside the store (the store would not take them before it exited) are stored first.
            await _engine.KeptStorage.AdoptBesideAsync(this, record).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not TokenAcquisitionException and not OperationCanceledException)
        {
            throw AcquisitionErrors.Typed(ConnectionId, ex);
        }
    }

    private async Task<ManagedAccessToken> GetSlowAsync(TimeSpan minValidity, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        for (var round = 0; round < 2; round++)
        {
            var current = _current;
            var now = _time.GetUtcNow().UtcTicks;
            if (current is not null && current.IsUsableAt(now, minValidity))
            {
                if (now >= current.RefreshAheadAtTicks && now >= _flights.NotBeforeTicks)
                {
                    _ = _flights.StartOrJoin(RefreshTrigger.RefreshAhead, null, TimeSpan.Zero, countJoin: false);
                }

                return current;
            }

            var trigger = current is null ? RefreshTrigger.NoToken
                : current.IsUsableAt(now, TimeSpan.Zero) ? RefreshTrigger.MinValidity
                : RefreshTrigger.Expiring;
            try
            {
                var fresh = await _flights.StartOrJoin(trigger, null, minValidity).WaitAsync(cancellationToken).ConfigureAwait(false);
                var after = _time.GetUtcNow().UtcTicks;
                if (after < fresh.ExpiresAtTicks && (minValidity <= TimeSpan.Zero || fresh.IsUsableAt(after, minValidity)))
                {
                    return fresh;
                }

                // A flight another caller started answered its needs, not ours (or only stored kept tokens): one more round, ours.
            }
            catch (TokenEndpointUnavailableException) when (minValidity <= TimeSpan.Zero && current is not null && _time.GetUtcNow().UtcTicks < current.ExpiresAtTicks && current == _current)
            {
                // The refresh failed but the token has not expired yet: serving it beats failing the caller.
                return current;
            }
            catch (TokenEndpointUnavailableException ex) when (round == 0 && ex.RetryNotBefore is { } retry && retry.UtcTicks <= _time.GetUtcNow().UtcTicks)
            {
                // Asked to ask again at once (the flight joined only stored kept tokens): one more round, with a flight of ours.
            }
        }

        var last = _current;
        throw new MinValidityUnattainableException(ConnectionId, minValidity, last is null ? TimeSpan.Zero : last.ExpiresAt - last.Windows.IssuedAt);
    }
}
