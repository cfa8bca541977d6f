using System.Threading.RateLimiting;

namespace Tokenkeeper.Refresh;

/// <summary>
/// A token bucket on the System.Threading.RateLimiting abstraction that reads time from a <see cref="TimeProvider"/>.
/// The framework's <see cref="TokenBucketRateLimiter"/> refills from the real elapsed time, so it cannot follow a fake clock
/// (tests, the lifecycle demo); this one refills lazily from the injected clock and costs nothing while idle.
/// </summary>
internal sealed class ClockTokenBucketRateLimiter : RateLimiter
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly double _capacity;
    private readonly double _tokensPerSecond;
    private double _tokens;
    private DateTimeOffset _refilledAt;
    private DateTimeOffset? _idleSince;
    private long _successful;
    private long _failed;

    public ClockTokenBucketRateLimiter(TimeProvider time, int tokensPerSecond, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokensPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        _capacity = capacity;
        _tokensPerSecond = tokensPerSecond;
        _tokens = capacity;
        _refilledAt = time.GetUtcNow();
        _idleSince = _refilledAt;
    }

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                return _idleSince is { } since ? _time.GetUtcNow() - since : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            Refill(_time.GetUtcNow());
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)_tokens,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _successful,
                TotalFailedLeases = _failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            Refill(now);
            if (_tokens >= permitCount)
            {
                _tokens -= permitCount;
                _successful++;
                _idleSince = _tokens >= _capacity ? now : null;
                return Lease.Acquired;
            }

            _failed++;
            return new Lease(TimeSpan.FromSeconds((permitCount - _tokens) / _tokensPerSecond));
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lease = AttemptAcquireCore(permitCount);
            if (lease.IsAcquired || !lease.TryGetMetadata(MetadataName.RetryAfter, out var wait))
            {
                return lease;
            }

            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Refill(DateTimeOffset now)
    {
        var elapsed = (now - _refilledAt).TotalSeconds;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + (elapsed * _tokensPerSecond));
            _refilledAt = now;
        }
    }

    private sealed class Lease(TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(null);

        public override bool IsAcquired => retryAfter is null;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = retryAfter;
            return retryAfter is not null && metadataName == MetadataName.RetryAfter.Name;
        }
    }
}
