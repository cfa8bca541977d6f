using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One token bucket per client (System.Threading.RateLimiting), so many connections of one client cannot stampede its token
/// endpoint. Buckets replenish lazily from the injected clock instead of a background timer, so the limiter costs nothing
/// while idle and follows a fake clock in tests and simulations.
/// </summary>
internal sealed class TokenEndpointRateLimiter : IDisposable
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly int _burst;
    private readonly TimeSpan _period;

    public TokenEndpointRateLimiter(TimeProvider time, int requestsPerSecond, int burst)
    {
        _time = time;
        _burst = burst;
        _period = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / requestsPerSecond);
    }

    /// <summary>Waits until the client may send one more token request.</summary>
    public async ValueTask AcquireAsync(string clientKey, CancellationToken cancellationToken)
    {
        var bucket = _buckets.GetOrAdd(clientKey, _ => new Bucket(_burst, _period, _time.GetUtcNow()));
        while (true)
        {
            var wait = bucket.TryTake(_time.GetUtcNow());
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }

    private sealed class Bucket(int burst, TimeSpan period, DateTimeOffset start) : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly TokenBucketRateLimiter _limiter = new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = period,
            AutoReplenishment = false,
            QueueLimit = 0,
        });

        private DateTimeOffset _replenishedTo = start;

        /// <summary>Takes a permit; returns zero on success, else how long until the next one.</summary>
        public TimeSpan TryTake(DateTimeOffset now)
        {
            lock (_gate)
            {
                var periods = (long)((now - _replenishedTo) / period);
                if (periods > 0)
                {
                    for (var i = 0; i < Math.Min(periods, burst); i++)
                    {
                        _limiter.TryReplenish();
                    }

                    _replenishedTo += period * periods;
                }

                using var lease = _limiter.AttemptAcquire(1);
                return lease.IsAcquired ? TimeSpan.Zero : (_replenishedTo + period) - now;
            }
        }

        public void Dispose() => _limiter.Dispose();
    }
}
