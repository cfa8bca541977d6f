using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>Every duration the refresh path derives, from one place (what a user sees as lease lengths, waits and back-offs).</summary>
public sealed class RefreshTimingsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static RefreshTimings Timings(Action<TokenManagerOptions>? configure = null, TimeSpan? timeout = null, double jitter = 1.0)
    {
        var options = new TokenManagerOptions();
        configure?.Invoke(options);
        return new RefreshTimings(options, timeout ?? TimeSpan.FromSeconds(30), () => jitter);
    }

    [Fact]
    public void ARequestWindow_IsTheTimeoutPlusTheSafetyMargin_AndLeasesCoverTwoOfThem()
    {
        var timings = Timings(o => o.LeaseDuration = TimeSpan.FromSeconds(10), timeout: TimeSpan.FromSeconds(100));

        Assert.Equal(TimeSpan.FromSeconds(100) + RefreshConstants.LeaseSafetyMargin, timings.RequestWindow);
        Assert.Equal(timings.RequestWindow * 2, timings.LeaseSpan); // the configured 10 s would not outlast one slow request
        Assert.Equal(TimeSpan.FromHours(1), Timings(o => o.LeaseDuration = TimeSpan.FromHours(1)).LeaseSpan);
    }

    [Fact]
    public void LeaseWaits_LastAtLeastARequestWindow_SoAPeersRequestInFlightEndsFirst()
    {
        var timings = Timings(o => o.LeaseWaitTimeout = TimeSpan.FromSeconds(1), timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(timings.RequestWindow + new TokenManagerOptions().LeasePollMax, timings.LeasePatience);
    }

    [Fact]
    public void LeasePolls_DoubleUpToTheMaximum_AndAreJitteredToHalfOrMore()
    {
        var timings = Timings(o => (o.LeasePollMin, o.LeasePollMax) = (TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150)));

        Assert.Equal(TimeSpan.FromMilliseconds(100), timings.NextLeasePoll(timings.FirstLeasePoll));
        Assert.Equal(TimeSpan.FromMilliseconds(150), timings.NextLeasePoll(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(TimeSpan.FromMilliseconds(50), Timings(jitter: 0).Jittered(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(TimeSpan.FromMilliseconds(100), Timings(jitter: 1).Jittered(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public void RetriesInACycle_FollowTheProvidersRetryAfter_ElseBackOffExponentiallyUpToTheMaximum()
    {
        var timings = Timings(o => (o.RetryBaseDelay, o.RetryMaxDelay) = (TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3)));

        Assert.Equal(TimeSpan.FromSeconds(7), timings.RetryDelay(1, TimeSpan.FromSeconds(7)));
        Assert.Equal(TimeSpan.FromMilliseconds(500), timings.RetryDelay(1, null));
        Assert.Equal(TimeSpan.FromSeconds(2), timings.RetryDelay(3, null));
        Assert.Equal(TimeSpan.FromSeconds(3), timings.RetryDelay(40, null)); // capped, and no overflow however many attempts
    }

    [Fact]
    public void FailedCycles_BackOffExponentially_UpToTheMaximum()
    {
        var timings = Timings(o => (o.FailureBackoffBase, o.FailureBackoffMax) = (TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)));

        Assert.Equal(TimeSpan.FromSeconds(2), timings.FailureBackoff(1));
        Assert.Equal(TimeSpan.FromSeconds(16), timings.FailureBackoff(4));
        Assert.Equal(TimeSpan.FromMinutes(1), timings.FailureBackoff(100));
    }

    [Fact]
    public void TheNextCycle_WaitsForALongerRetryAfter_AndForWhenADoubtCanBeSettled()
    {
        var timings = Timings();

        Assert.Equal(TimeSpan.FromMinutes(5), timings.NextAttemptWait(1, TimeSpan.FromMinutes(5), null, ProviderProfiles.Generic, null, T0));
        Assert.Equal(TimeSpan.FromSeconds(40), timings.NextAttemptWait(1, null, null, ProviderProfiles.Generic, T0.AddSeconds(40), T0));
        Assert.Equal(timings.FailureBackoff(1), timings.NextAttemptWait(1, null, null, ProviderProfiles.Generic, T0.AddMilliseconds(1), T0));
    }

    [Fact]
    public void ARefreshInDoubt_IsRetriedInsideTheProvidersGraceWindow_WhateverTheBackOffAsks()
    {
        var timings = Timings(o => o.FailureBackoffBase = TimeSpan.FromHours(1));

        // Xero's old refresh token works for 30 minutes after rotation: the retry comes by half of it (15 minutes from the first send).
        var wait = timings.NextAttemptWait(1, null, firstSent: T0, ProviderProfiles.Xero, null, T0.AddMinutes(5));
        Assert.Equal(TimeSpan.FromMinutes(10), wait);

        // Past half of it, within half of what is left before 80% of it (24 minutes).
        Assert.Equal(TimeSpan.FromMinutes(2), RefreshTimings.WithinRotationGrace(TimeSpan.FromHours(1), T0, ProviderProfiles.Xero, T0.AddMinutes(20)));

        // A provider that does not say how it rotates gets no such cap: there is no grace to aim for.
        Assert.Equal(TimeSpan.FromHours(1), RefreshTimings.WithinRotationGrace(TimeSpan.FromHours(1), T0, ProviderProfiles.Generic, T0.AddMinutes(5)));
    }
}
