using System.Collections.Concurrent;

namespace Tokenkeeper.Refresh;

/// <summary>
/// One token bucket per client, so many connections of one client cannot stampede its token endpoint. Buckets follow the
/// injected clock (see <see cref="ClockTokenBucketRateLimiter"/>).
/// </summary>
internal sealed class TokenEndpointRateLimiter(TimeProvider time, int requestsPerSecond, int burst) : IDisposable
{
    private readonly ConcurrentDictionary<string, ClockTokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);

    /// <summary>Waits until the client may send one more token request.</summary>
    public async ValueTask AcquireAsync(string clientKey, CancellationToken cancellationToken)
    {
        var bucket = _buckets.GetOrAdd(clientKey, _ => new ClockTokenBucketRateLimiter(time, requestsPerSecond, burst));
        using var lease = await bucket.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }
}
