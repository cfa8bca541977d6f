using System.Diagnostics;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Benchmarks.Sync;

/// <summary>Wraps a connection's token source and adds up how long the job's requests waited for a token: the part of
/// token management that sits on the sync's critical path (refresh-ahead itself runs in the background).</summary>
internal sealed class TimedTokenSource(IAccessTokenSource inner) : IAccessTokenSource
{
    private long _ticks;
    private long _calls;
    private long _slowCalls;

    public string ConnectionId => inner.ConnectionId;

    public TimeSpan Waited => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Calls that took over a millisecond (waited for a refresh, not served from the cache).</summary>
    public long SlowCalls => Interlocked.Read(ref _slowCalls);

    public async ValueTask<ManagedAccessToken> GetTokenAsync(TimeSpan minValidity = default, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GetTokenAsync(minValidity, cancellationToken);
        }
        finally
        {
            Record(started);
        }
    }

    public async ValueTask<ManagedAccessToken> GetTokenAfterRejectionAsync(ManagedAccessToken rejected, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await inner.GetTokenAfterRejectionAsync(rejected, cancellationToken);
        }
        finally
        {
            Record(started);
        }
    }

    private void Record(long started)
    {
        var elapsed = Stopwatch.GetTimestamp() - started;
        Interlocked.Add(ref _ticks, elapsed);
        Interlocked.Increment(ref _calls);
        if (elapsed > Stopwatch.Frequency / 1000)
        {
            Interlocked.Increment(ref _slowCalls);
        }
    }
}
