using Microsoft.Extensions.Time.Testing;
using System.Threading.RateLimiting;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Tests.Refresh;

public sealed class ClockTokenBucketRateLimiterTests
{
    [Fact]
    public void Burst_IsAllowed_ThenPermitsComeAtTheSustainedRate_OnTheInjectedClock()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new ClockTokenBucketRateLimiter(clock, tokensPerSecond: 10, capacity: 3);

        var burst = Enumerable.Range(0, 3).Select(_ => limiter.AttemptAcquire().IsAcquired).ToArray();
        using var refused = limiter.AttemptAcquire();
        clock.Advance(TimeSpan.FromMilliseconds(100));
        using var afterOnePeriod = limiter.AttemptAcquire();

        Assert.All(burst, Assert.True);
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retryAfter);
        Assert.True(afterOnePeriod.IsAcquired);
    }

    [Fact]
    public async Task AcquireAsync_WaitsForTheClock_NotForRealTime()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new ClockTokenBucketRateLimiter(clock, tokensPerSecond: 1, capacity: 1);
        using var first = await limiter.AcquireAsync();

        var second = limiter.AcquireAsync().AsTask();
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));

        using var lease = await second.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(lease.IsAcquired);
    }

    [Fact]
    public void Idle_AfterAWhile_RefillsOnlyToCapacity()
    {
        var clock = new FakeTimeProvider();
        using var limiter = new ClockTokenBucketRateLimiter(clock, tokensPerSecond: 10, capacity: 2);
        limiter.AttemptAcquire().Dispose();

        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(2, limiter.GetStatistics()!.CurrentAvailablePermits);
    }
}
