using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One connection's tokens in this process: the cached token (read lock-free and allocation-free on the hot path) and the
/// single in-flight refresh (DESIGN.md contracts 2, 3 and 7).
/// </summary>
internal sealed class ConnectionTokenSource : IAccessTokenSource
{
    private readonly TokenManager _manager;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private volatile ManagedAccessToken? _current;
    private volatile Task<ManagedAccessToken>? _flight;
    private volatile UncommittedTokens? _uncommitted;
    private Task? _loading;
    private Task? _keepingLoop;
    private int _keeping;
    private long _notBeforeTicks;
    private int _epoch;
    private int _flightEpoch;

    public ConnectionTokenSource(TokenManager manager, string connectionId)
    {
        _manager = manager;
        _time = manager.TimeProvider;
        ConnectionId = connectionId;
    }

    public string ConnectionId { get; }

    /// <summary>Whether a refresh of this connection is in flight.</summary>
    public bool IsRefreshing => _flight is { IsCompleted: false };

    /// <summary>The cached token, if any.</summary>
    public ManagedAccessToken? Current => _current;

    /// <summary>Changes whenever the connection is re-authorised, enabled or disabled.</summary>
    public int Epoch => Volatile.Read(ref _epoch);

    /// <summary>Tokens issued but not yet committed (the store failed, or the commit gave up); committed before any further
    /// refresh, and retried in the background until stored or superseded (see <see cref="KeepStoringAsync"/>).</summary>
    public UncommittedTokens? Uncommitted => _uncommitted;

    /// <summary>Keeps <paramref name="tokens"/> until they are stored, and starts storing them in the background.</summary>
    public void Keep(UncommittedTokens tokens)
    {
        _uncommitted = tokens;
        StartKeeping();
    }

    /// <summary>Forgets kept tokens once stored or obsolete, unless others have been kept since.</summary>
    public void ForgetUncommitted(UncommittedTokens tokens) => Interlocked.CompareExchange(ref _uncommitted, null, tokens);

    /// <summary>Waits for this connection's refresh in flight and its background storing of kept tokens to end (the manager is
    /// stopping, so neither starts again). Their failures are theirs to report; here they are only waited for.</summary>
    public async Task DrainAsync()
    {
        Task? flight;
        Task? keeping;
        lock (_gate)
        {
            flight = _flight;
            keeping = _keepingLoop;
        }

        foreach (var task in new[] { flight, keeping })
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
                if (_manager.Metrics.RemainingLifetimeEnabled)
                {
                    _manager.Metrics.RecordRemaining(ConnectionId, TimeSpan.FromTicks(current.ExpiresAtTicks - now));
                }

                return new ValueTask<ManagedAccessToken>(current);
            }

            // In the refresh-ahead window while a refresh already runs or backs off: still no allocation, and only plain
            // reads (Volatile.Read, not Interlocked.Read, which is a locked compare-exchange on x64 that makes every reader
            // take the cache line exclusively: measured at 5x the hot path's p99 with four threads in the window).
            if (current.IsUsableAt(now, minValidity) && (now < Volatile.Read(ref _notBeforeTicks) || _flight is { IsCompleted: false }))
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
            var fresh = await StartOrJoin(RefreshTrigger.Rejected, rejected.Token, TimeSpan.Zero).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (fresh.Token != rejected.Token && _time.GetUtcNow().UtcTicks < fresh.ExpiresAtTicks)
            {
                return fresh;
            }
        }

        throw new TokenAcquisitionException(ConnectionId, $"Connection '{ConnectionId}': the provider keeps handing out the token its resource server rejected ({rejected.Fingerprint}).");
    }

    /// <summary>Forces a refresh (keep-alive, operator), joining one already in flight.</summary>
    public async Task<ManagedAccessToken> RefreshAsync(RefreshTrigger trigger, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        return await StartOrJoin(trigger, null, TimeSpan.Zero, ignoreBackoff: true).WaitAsync(cancellationToken).ConfigureAwait(false);
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
                Interlocked.Exchange(ref _notBeforeTicks, 0);
                return epoch == Epoch;
            }
        }
    }

    /// <summary>Forgets the cached token and any failure backoff, and starts a new epoch: the connection was re-authorised,
    /// reconfigured, enabled or disabled, so nothing obtained before may be published. Uncommitted tokens are kept: they may hold
    /// the only live refresh token, and the next commit attempt drops them by itself if the store has moved to another grant.</summary>
    public void Reset()
    {
        Interlocked.Increment(ref _epoch);
        _current = null;
        Interlocked.Exchange(ref _notBeforeTicks, 0);
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
        lock (_gate)
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
            await _manager.EnsureRegisteredAsync(ConnectionId, _manager.StoppingToken).ConfigureAwait(false);
            var record = await _manager.Store.GetAsync(ConnectionId, _manager.StoppingToken).ConfigureAwait(false)
                ?? throw new TokenkeeperConfigurationException($"The store has no connection '{ConnectionId}' and none is registered under that id.");
            _manager.Cycle.TryAdopt(this, record, new Flight(RefreshTrigger.NoToken, null, TimeSpan.Zero, Epoch), out _, loading: true);

            // Tokens another process kept beside the store (the store would not take them before it exited) are stored first.
            await _manager.Cycle.AdoptKeptAsync(this, record).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not TokenAcquisitionException and not OperationCanceledException)
        {
            throw Typed(ex);
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
                if (now >= current.RefreshAheadAtTicks && now >= Volatile.Read(ref _notBeforeTicks))
                {
                    _ = StartOrJoin(RefreshTrigger.RefreshAhead, null, TimeSpan.Zero, countJoin: false);
                }

                return current;
            }

            var trigger = current is null ? RefreshTrigger.NoToken
                : current.IsUsableAt(now, TimeSpan.Zero) ? RefreshTrigger.MinValidity
                : RefreshTrigger.Expiring;
            try
            {
                var fresh = await StartOrJoin(trigger, null, minValidity).WaitAsync(cancellationToken).ConfigureAwait(false);
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

    private Task<ManagedAccessToken> StartOrJoin(RefreshTrigger trigger, AccessToken? rejected, TimeSpan minValidity, bool countJoin = true, bool ignoreBackoff = false)
    {
        lock (_gate)
        {
            if (_flight is { IsCompleted: false } running)
            {
                if (countJoin)
                {
                    _manager.Metrics.RecordJoin(ConnectionId);
                }

                return running;
            }

            if (_manager.IsStopping)
            {
                // Read under the gate that the manager's drain also takes: a flight is either started before it looks, or never.
                return Task.FromException<ManagedAccessToken>(_manager.Cycle.StoppingException(ConnectionId));
            }

            var notBefore = Volatile.Read(ref _notBeforeTicks);
            if (!ignoreBackoff && _flightEpoch == Epoch && _time.GetUtcNow().UtcTicks < notBefore && _flight?.Exception?.InnerException is TokenAcquisitionException last)
            {
                // A refresh just failed and the connection is backing off: fail fast instead of asking again.
                return Task.FromException<ManagedAccessToken>(last);
            }

            var flight = new Flight(trigger, rejected, minValidity, Epoch);
            var task = Task.Run(() => RunGuardedAsync(flight), CancellationToken.None);
            _flight = task;
            _flightEpoch = flight.Epoch;
            task.ContinueWith(
                static (completed, state) =>
                {
                    var (source, epoch) = ((ConnectionTokenSource, int))state!;
                    if (epoch != source.Epoch)
                    {
                        return; // The connection was re-authorised, enabled or disabled since: this failure says nothing about it now.
                    }

                    switch (completed.Exception?.InnerException)
                    {
                        case TokenEndpointUnavailableException { RetryNotBefore: { } retry }:
                            Interlocked.Exchange(ref source._notBeforeTicks, retry.UtcTicks);
                            break;
                        case TokenAcquisitionException:
                            Interlocked.Exchange(ref source._notBeforeTicks, source._time.GetUtcNow().UtcTicks + TimeSpan.TicksPerSecond);
                            break;
                    }
                },
                (this, flight.Epoch),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return task;
        }
    }

    private void StartKeeping()
    {
        if (Interlocked.Exchange(ref _keeping, 1) == 0)
        {
            lock (_gate)
            {
                _keepingLoop = Task.Run(KeepStoringAsync, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// While tokens are kept in memory, tries to store them in the background (as a <see cref="RefreshTrigger.StoreKept"/>
    /// flight, so it never runs beside another flight of this instance), 500 ms after they were kept and then doubling up to
    /// 5 s (<see cref="RefreshConstants.KeptTokensRetryFirst"/>, <see cref="RefreshConstants.KeptTokensRetryMax"/>). Without it,
    /// a connection nobody asks for again would hold its only live refresh token in memory until a peer, seeing this
    /// instance's refresh intent grow old, took it for a lost response and sent the spent token.
    /// </summary>
    private async Task KeepStoringAsync()
    {
        CancellationToken shutdown;
        try
        {
            shutdown = _manager.StoppingToken;
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Exchange(ref _keeping, 0);
            return; // the manager is gone: nothing can be stored any more
        }

        try
        {
            var delay = RefreshConstants.KeptTokensRetryFirst;
            while (_uncommitted is not null && !shutdown.IsCancellationRequested)
            {
                await Task.Delay(delay, _time, shutdown).ConfigureAwait(false);
                if (_uncommitted is null)
                {
                    break;
                }

                try
                {
                    await StartOrJoin(RefreshTrigger.StoreKept, null, TimeSpan.Zero, countJoin: false, ignoreBackoff: true).ConfigureAwait(false);
                }
                catch (Exception) when (!shutdown.IsCancellationRequested)
                {
                    // Still unstorable, or stored and then not refreshable (disabled, cooling down): the loop condition decides.
                    // The flight's failure is for callers; this loop only keeps trying while tokens are kept.
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RefreshConstants.KeptTokensRetryMax.Ticks));
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // The manager is stopping: it makes the last attempt to store what is still kept, and it is kept beside the store.
        }
        finally
        {
            // A full fence (not a volatile write): the read of _uncommitted below must not move before it, or a setter that
            // saw the flag still set and this loop that saw no kept tokens could both decide the other one will do it.
            Interlocked.Exchange(ref _keeping, 0);
            if (_uncommitted is not null && !shutdown.IsCancellationRequested)
            {
                StartKeeping(); // kept again while this loop was finishing
            }
        }
    }

    private async Task<ManagedAccessToken> RunGuardedAsync(Flight flight)
    {
        var stopping = _manager.StoppingToken;
        try
        {
            return await _manager.Cycle.RunAsync(this, flight, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw _manager.Cycle.StoppingException(ConnectionId);
        }
        catch (Exception ex) when (ex is not TokenAcquisitionException and not OperationCanceledException)
        {
            throw Typed(ex);
        }
    }

    /// <summary>Callers are promised a <see cref="TokenAcquisitionException"/>: anything else (a store failure, a configuration
    /// mistake found late) is wrapped, keeping the cause.</summary>
    private TokenAcquisitionException Typed(Exception ex) => ex switch
    {
        TokenkeeperConfigurationException => new TokenAcquisitionException(ConnectionId, $"Connection '{ConnectionId}' is misconfigured: {ex.Message}", null, ex),
        Storage.TokenStoreException or Storage.SecretProtectionException or System.Data.Common.DbException or IOException =>
            new TokenStoreUnavailableException(ConnectionId, $"Connection '{ConnectionId}': the token store failed ({ex.GetType().Name}: {ex.Message}).", ex),
        _ => new TokenAcquisitionException(ConnectionId, $"Connection '{ConnectionId}': unexpected failure ({ex.GetType().Name}: {ex.Message}).", null, ex),
    };
}
