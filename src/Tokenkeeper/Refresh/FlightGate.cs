using Tokenkeeper.Diagnostics;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One connection's single refresh in flight (DESIGN.md contract 3): a caller either starts the flight or joins the one running,
/// so 10,000 callers cause one token request. After a failed flight it remembers until when not to ask again (the failure's
/// <c>RetryNotBefore</c>, or a second), so callers fail fast instead of queueing refreshes that would fail the same way.
/// </summary>
/// <param name="connectionId">The connection.</param>
/// <param name="time">The clock.</param>
/// <param name="metrics">Where joins are counted.</param>
/// <param name="epoch">The connection's current epoch (it changes when the connection is re-authorised, enabled or disabled).</param>
/// <param name="run">Runs one flight: the refresh path.</param>
/// <param name="stopping">Trips when the manager stops: no flight starts after that.</param>
internal sealed class FlightGate(string connectionId, TimeProvider time, TokenkeeperMetrics metrics, Func<int> epoch, Func<Flight, CancellationToken, Task<ManagedAccessToken>> run, CancellationToken stopping)
{
    private readonly Lock _gate = new();
    private volatile Task<ManagedAccessToken>? _flight;
    private int _flightEpoch;
    private long _notBeforeTicks;

    /// <summary>Whether a flight is running.</summary>
    public bool IsRunning => _flight is { IsCompleted: false };

    /// <summary>Until when (UTC ticks) no new flight should start after a failure; 0 when nothing failed since the last success.
    /// A plain volatile read: the hot path reads it (an interlocked read would make every reader take the cache line).</summary>
    public long NotBeforeTicks => Volatile.Read(ref _notBeforeTicks);

    /// <summary>Forgets the failure back-off (a token was published, or the connection changed).</summary>
    public void ClearBackoff() => Interlocked.Exchange(ref _notBeforeTicks, 0);

    /// <summary>The flight running or last run, read under the gate that starting a flight takes: after the manager began stopping,
    /// a flight is either started before this looks, or never.</summary>
    public Task? Latest
    {
        get
        {
            lock (_gate)
            {
                return _flight;
            }
        }
    }

    /// <summary>Joins the flight in progress, or starts one.</summary>
    /// <param name="trigger">Why.</param>
    /// <param name="rejected">A token a resource server rejected (never handed out again by this flight).</param>
    /// <param name="minValidity">How long the first caller needs the token to stay valid.</param>
    /// <param name="countJoin">Whether joining counts as a join in the metrics (background refresh-ahead does not).</param>
    /// <param name="ignoreBackoff">Start even while backing off after a failure (forced, keep-alive, storing kept tokens).</param>
    public Task<ManagedAccessToken> StartOrJoin(RefreshTrigger trigger, AccessToken? rejected, TimeSpan minValidity, bool countJoin = true, bool ignoreBackoff = false)
    {
        lock (_gate)
        {
            if (_flight is { IsCompleted: false } running)
            {
                if (countJoin)
                {
                    metrics.RecordJoin(connectionId);
                }

                return running;
            }

            if (stopping.IsCancellationRequested)
            {
                // Read under the gate that the manager's drain also takes: a flight is either started before it looks, or never.
                return Task.FromException<ManagedAccessToken>(AcquisitionErrors.Stopping(connectionId));
            }

            var current = epoch();
            if (!ignoreBackoff && _flightEpoch == current && time.GetUtcNow().UtcTicks < Volatile.Read(ref _notBeforeTicks) && _flight?.Exception?.InnerException is TokenAcquisitionException last)
            {
                // A refresh just failed and the connection is backing off: fail fast instead of asking again.
                return Task.FromException<ManagedAccessToken>(last);
            }

            var flight = new Flight(trigger, rejected, minValidity, current);
            var task = Task.Run(() => RunGuardedAsync(flight), CancellationToken.None);
            _flight = task;
            _flightEpoch = current;
            task.ContinueWith(
                static (completed, state) =>
                {
                    var (gate, started) = ((FlightGate, int))state!;
                    gate.RememberFailure(completed, started);
                },
                (this, current),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return task;
        }
    }

    private void RememberFailure(Task<ManagedAccessToken> completed, int startedInEpoch)
    {
        if (startedInEpoch != epoch())
        {
            return; // The connection was re-authorised, enabled or disabled since: this failure says nothing about it now.
        }

        switch (completed.Exception?.InnerException)
        {
            case TokenEndpointUnavailableException { RetryNotBefore: { } retry }:
                Interlocked.Exchange(ref _notBeforeTicks, retry.UtcTicks);
                break;
            case TokenAcquisitionException:
                Interlocked.Exchange(ref _notBeforeTicks, time.GetUtcNow().UtcTicks + TimeSpan.TicksPerSecond);
                break;
        }
    }

    /// <summary>Callers are promised a <see cref="TokenAcquisitionException"/>: a stop and anything unexpected are typed here.</summary>
    private async Task<ManagedAccessToken> RunGuardedAsync(Flight flight)
    {
        try
        {
            return await run(flight, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw AcquisitionErrors.Stopping(connectionId);
        }
        catch (Exception ex) when (ex is not TokenAcquisitionException and not OperationCanceledException)
        {
            throw AcquisitionErrors.Typed(connectionId, ex);
        }
    }
}
