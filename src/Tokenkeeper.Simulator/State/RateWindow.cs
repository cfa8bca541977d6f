namespace Tokenkeeper.Simulator;

/// <summary>One client's fixed rate-limit window on the token endpoint.</summary>
internal sealed class RateWindow
{
    private readonly Lock _gate = new();
    private DateTimeOffset _start = DateTimeOffset.MinValue;
    private int _count;

    /// <summary>
    /// Admits a request if fewer than <paramref name="limit"/> were admitted in the current window (which starts at
    /// the first request after the previous one ended); otherwise says how long until the window ends.
    /// </summary>
    public bool TryAcquire(int limit, TimeSpan window, DateTimeOffset now, out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            if (now >= _start + window || now < _start)
            {
                _start = now;
                _count = 0;
            }

            if (_count < limit)
            {
                _count++;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = _start + window - now;
            return false;
        }
    }
}
