using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Tokens;

public sealed class TokenWindowsTests
{
    private static readonly DateTimeOffset Issued = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_OneHourToken_RefreshesFiveMinutesAheadAndStaysUsableUntilThirtySecondsBefore()
    {
        var windows = TokenWindows.Compute(Issued, Issued.AddHours(1), TokenWindowOptions.Default, jitter: 0);

        Assert.Equal(Issued.AddHours(1).AddMinutes(-5), windows.RefreshAheadAt);
        Assert.Equal(Issued.AddHours(1).AddSeconds(-30), windows.UsableUntil);
    }

    [Fact]
    public void Compute_TwentySecondToken_UsesFractionsOfItsLifetime()
    {
        var windows = TokenWindows.Compute(Issued, Issued.AddSeconds(20), TokenWindowOptions.Default, jitter: 0);

        Assert.Equal(Issued.AddSeconds(15), windows.RefreshAheadAt);
        Assert.Equal(Issued.AddSeconds(19), windows.UsableUntil);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void Compute_MarginsNeverExceedHalfTheLifetime(int lifetimeSeconds)
    {
        var options = TokenWindowOptions.Default with { MinRefreshAhead = TimeSpan.FromMinutes(1), MinUsableMargin = TimeSpan.FromMinutes(1), MaxRefreshAhead = TimeSpan.FromMinutes(2), MaxUsableMargin = TimeSpan.FromMinutes(2) };

        var windows = TokenWindows.Compute(Issued, Issued.AddSeconds(lifetimeSeconds), options, jitter: 0.99);

        var half = Issued.AddSeconds(lifetimeSeconds / 2.0);
        Assert.True(windows.RefreshAheadAt >= half, $"refresh-ahead {windows.RefreshAheadAt:O} before half-life {half:O}");
        Assert.True(windows.UsableUntil >= half);
        Assert.True(windows.RefreshAheadAt <= windows.UsableUntil);
    }

    [Fact]
    public void Compute_Jitter_MovesRefreshAheadEarlierByUpToTheJitterFraction()
    {
        var calm = TokenWindows.Compute(Issued, Issued.AddHours(1), TokenWindowOptions.Default, jitter: 0);
        var jittered = TokenWindows.Compute(Issued, Issued.AddHours(1), TokenWindowOptions.Default, jitter: 0.5);

        Assert.Equal(calm.RefreshAheadAt.AddMinutes(-0.5), jittered.RefreshAheadAt);
        Assert.Equal(calm.UsableUntil, jittered.UsableUntil);
    }

    [Fact]
    public void UsableUntilFor_CallerNeedingMoreThanTheMargin_GetsAnEarlierPoint()
    {
        var windows = TokenWindows.Compute(Issued, Issued.AddHours(1), TokenWindowOptions.Default, jitter: 0);

        Assert.Equal(Issued.AddMinutes(50), windows.UsableUntilFor(TimeSpan.FromMinutes(10)));
        Assert.Equal(windows.UsableUntil, windows.UsableUntilFor(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Compute_ExpiredOrZeroLifetime_AllPointsAtExpiry()
    {
        var windows = TokenWindows.Compute(Issued, Issued, TokenWindowOptions.Default, jitter: 0);

        Assert.Equal(Issued, windows.RefreshAheadAt);
        Assert.Equal(Issued, windows.UsableUntil);
    }

    [Fact]
    public void Validate_FractionOutOfRange_Throws()
    {
        Assert.Throws<ArgumentException>(() => (TokenWindowOptions.Default with { RefreshAheadFraction = 1.5 }).Validate());
    }
}
