namespace Tokenkeeper.Refresh;

/// <summary>
/// One connection's tokens that the store would not take (the store failed, or the commit gave up), kept in memory until they
/// are stored (their refresh token may be the only live one), and the background loop that stores them without waiting for a
/// caller: started explicitly (<see cref="StartStoring"/>), 500 ms after they were kept and then doubling up to 5 s
/// (<see cref="RefreshConstants.KeptTokensRetryFirst"/>, <see cref="RefreshConstants.KeptTokensRetryMax"/>), each attempt a
/// <see cref="RefreshTrigger.StoreKept"/> flight so it never runs beside another flight of this instance. Without the loop a
/// connection nobody asks for again would hold its only live refresh token in memory until a peer, seeing this instance's refresh
/// intent grow old, took it for a lost answer.
/// </summary>
/// <param name="time">The clock of the loop's waits.</param>
/// <param name="storeOnce">One attempt to store them: the connection's <see cref="RefreshTrigger.StoreKept"/> flight.</param>
/// <param name="stopping">Ends the loop when the manager stops (which makes a last attempt of its own).</param>
internal sealed class KeptTokenSlot(TimeProvider time, Func<Task> storeOnce, CancellationToken stopping)
{
    private volatile UncommittedTokens? _current;
    private Task? _loop;
    private int _looping;

    /// <summary>The kept tokens, if any.</summary>
    public UncommittedTokens? Current => _current;

    /// <summary>The background loop while it runs (or the last one), for the manager's drain.</summary>
    public Task Loop => Volatile.Read(ref _loop) ?? Task.CompletedTask;

    /// <summary>Keeps <paramref name="tokens"/> (replacing what was kept). Storing them is <see cref="StartStoring"/>'s.</summary>
    public void Keep(UncommittedTokens tokens) => _current = tokens;

    /// <summary>Forgets <paramref name="tokens"/> once stored or obsolete, unless others have been kept since.</summary>
    public void Forget(UncommittedTokens tokens) => Interlocked.CompareExchange(ref _current, null, tokens);

    /// <summary>Starts the background loop unless it runs already.</summary>
    public void StartStoring()
    {
        if (Interlocked.Exchange(ref _looping, 1) == 0)
        {
            // Published before it runs: a loop that restarts itself from its finally then always publishes after this one.
            var loop = new Task<Task>(LoopAsync, CancellationToken.None);
            Volatile.Write(ref _loop, loop.Unwrap());
            loop.Start(TaskScheduler.Default);
        }
    }

    private async Task LoopAsync()
    {
        try
        {
            var delay = RefreshConstants.KeptTokensRetryFirst;
            while (_current is not null && !stopping.IsCancellationRequested)
            {
                await Task.Delay(delay, time, stopping).ConfigureAwait(false);
                if (_current is null)
                {
                    break;
                }

                try
                {
                    await storeOnce().ConfigureAwait(false);
                }
                catch (Exception) when (!stopping.IsCancellationRequested)
                {
                    // Still unstorable, or stored and then not servable (disabled, cooling down): the loop condition decides.
                    // The flight's failure is for callers; this loop only keeps trying while tokens are kept.
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, RefreshConstants.KeptTokensRetryMax.Ticks));
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The manager is stopping: it makes the last attempt to store what is still kept, and it is kept beside the store.
        }
        finally
        {
            // A full fence (not a volatile write): the read of _current below must not move before it, or a Keep that saw the
            // flag still set and this loop that saw nothing kept could both decide the other one will store them.
            Interlocked.Exchange(ref _looping, 0);
            if (_current is not null && !stopping.IsCancellationRequested)
            {
                StartStoring(); // kept again while this loop was finishing
            }
        }
    }
}
