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
    private Task<ManagedAccessToken>? _flight;
    private Task? _loading;
    private long _notBeforeTicks;

    public ConnectionTokenSource(TokenManager manager, string connectionId)
    {
        _manager = manager;
        _time = manager.TimeProvider;
        ConnectionId = connectionId;
    }

    public string ConnectionId { get; }

    /// <summary>The cached token, if any.</summary>
    public ManagedAccessToken? Current => _current;

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
            var fresh = await StartOrJoin(RefreshTrigger.Rejected, rejected.Token).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (fresh.Token != rejected.Token)
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
        return await StartOrJoin(trigger, null, ignoreBackoff: true).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes <paramref name="token"/> the cached token unless a newer one is already cached.</summary>
    public void Publish(ManagedAccessToken token)
    {
        while (true)
        {
            var seen = _current;
            if (seen is not null && seen.Version > token.Version)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _current, token, seen) == seen)
            {
                Interlocked.Exchange(ref _notBeforeTicks, 0);
                return;
            }
        }
    }

    /// <summary>Forgets the cached token and any failure backoff: the connection was re-authorised, enabled or disabled.</summary>
    public void Reset()
    {
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
        await _manager.EnsureRegisteredAsync(ConnectionId, _manager.ShutdownToken).ConfigureAwait(false);
        var record = await _manager.Store.GetAsync(ConnectionId, _manager.ShutdownToken).ConfigureAwait(false)
            ?? throw new TokenkeeperConfigurationException($"The store has no connection '{ConnectionId}' and none is registered under that id.");
        _manager.Cycle.TryAdopt(this, record, null, RefreshTrigger.NoToken, out _, loading: true);
    }

    private async Task<ManagedAccessToken> GetSlowAsync(TimeSpan minValidity, CancellationToken cancellationToken)
    {
        await EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        var current = _current;
        var now = _time.GetUtcNow().UtcTicks;
        if (current is not null && current.IsUsableAt(now, minValidity))
        {
            if (now >= current.RefreshAheadAtTicks && now >= Interlocked.Read(ref _notBeforeTicks))
            {
                _ = StartOrJoin(RefreshTrigger.RefreshAhead, null, countJoin: false);
            }

            return current;
        }

        try
        {
            var trigger = current is null ? RefreshTrigger.NoToken
                : current.IsUsableAt(now, TimeSpan.Zero) ? RefreshTrigger.MinValidity
                : RefreshTrigger.Expiring;
            return await StartOrJoin(trigger, null).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TokenEndpointUnavailableException) when (minValidity <= TimeSpan.Zero && current is not null && _time.GetUtcNow().UtcTicks < current.ExpiresAtTicks && current == _current)
        {
            // The refresh failed but the token has not expired yet: serving it beats failing the caller.
            return current;
        }
    }

    private Task<ManagedAccessToken> StartOrJoin(RefreshTrigger trigger, AccessToken? rejected, bool countJoin = true, bool ignoreBackoff = false)
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

            var notBefore = Interlocked.Read(ref _notBeforeTicks);
            if (!ignoreBackoff && _time.GetUtcNow().UtcTicks < notBefore && _flight?.Exception?.InnerException is TokenAcquisitionException last)
            {
                // A refresh just failed and the connection is backing off: fail fast instead of asking again.
                return Task.FromException<ManagedAccessToken>(last);
            }

            var flight = Task.Run(() => _manager.Cycle.RunAsync(this, trigger, rejected, _manager.ShutdownToken), CancellationToken.None);
            _flight = flight;
            flight.ContinueWith(
                static (task, state) =>
                {
                    var source = (ConnectionTokenSource)state!;
                    if (task.Exception?.InnerException is TokenEndpointUnavailableException { RetryNotBefore: { } retry })
                    {
                        Interlocked.Exchange(ref source._notBeforeTicks, retry.UtcTicks);
                    }
                    else if (task.Exception?.InnerException is TokenAcquisitionException)
                    {
                        Interlocked.Exchange(ref source._notBeforeTicks, source._time.GetUtcNow().UtcTicks + TimeSpan.TicksPerSecond);
                    }
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return flight;
        }
    }
}
