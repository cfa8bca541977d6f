using Tokenkeeper.Refresh;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Kept;

/// <summary>Kept tokens are stored in the background until they are stored, and only while they are kept.</summary>
public sealed class KeptTokenSlotTests
{
    private static UncommittedTokens Tokens(string refreshToken = "rt-kept")
    {
        var now = DateTimeOffset.UnixEpoch;
        return new(new TokenSet { AccessToken = new AccessToken("at"), RefreshToken = new RefreshToken(refreshToken), IssuedAt = now, ExpiresAt = now.AddHours(1) }, 3, new RefreshToken("rt-spent"), RefreshTrigger.Expiring);
    }

    [Fact]
    public void ForgettingTokens_ForgetsOnlyThoseStillKept()
    {
        var slot = new KeptTokenSlot(new ManualTimeProvider(), () => Task.CompletedTask, default);
        var first = Tokens("rt-1");
        var second = Tokens("rt-2");
        slot.Keep(first);
        slot.Keep(second);

        slot.Forget(first); // stored meanwhile, but newer tokens were kept since: they stay

        Assert.Same(second, slot.Current);
        slot.Forget(second);
        Assert.Null(slot.Current);
    }

    [Fact]
    public async Task KeepingDoesNotStartStoring_StartingDoes_AfterAWait_UntilTheyAreStored()
    {
        var clock = new ManualTimeProvider();
        var attempts = new List<DateTimeOffset>();
        KeptTokenSlot? slot = null;
        var kept = Tokens();
        slot = new KeptTokenSlot(clock, () =>
        {
            attempts.Add(clock.GetUtcNow());
            if (attempts.Count == 3)
            {
                slot!.Forget(kept); // the third attempt stores them
            }

            return Task.CompletedTask;
        }, default);
        var start = clock.GetUtcNow();
        slot.Keep(kept);
        Assert.Equal(0, clock.PendingTimers); // a setter with no hidden side effect

        slot.StartStoring();
        await ClockDriver.DriveAsync(clock, slot.Loop);

        Assert.Equal([start + RefreshConstants.KeptTokensRetryFirst, start + (RefreshConstants.KeptTokensRetryFirst * 3), start + (RefreshConstants.KeptTokensRetryFirst * 7)], attempts);
        Assert.Null(slot.Current);
    }

    [Fact]
    public async Task StartingTwice_RunsOneLoop_AndAFailingAttemptIsTriedAgain()
    {
        var clock = new ManualTimeProvider();
        var attempts = 0;
        KeptTokenSlot? slot = null;
        var kept = Tokens();
        slot = new KeptTokenSlot(clock, () =>
        {
            if (++attempts < 3)
            {
                throw new TokenStoreUnavailableException("crm", "still down", null);
            }

            slot!.Forget(kept);
            return Task.CompletedTask;
        }, default);
        slot.Keep(kept);

        slot.StartStoring();
        var loop = slot.Loop;
        slot.StartStoring();
        Assert.Same(loop, slot.Loop);
        await ClockDriver.DriveAsync(clock, loop);

        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Stopping_EndsTheLoop_WithTheTokensStillKept()
    {
        var clock = new ManualTimeProvider();
        using var stopping = new CancellationTokenSource();
        var attempts = 0;
        var slot = new KeptTokenSlot(clock, () => { attempts++; return Task.CompletedTask; }, stopping.Token);
        slot.Keep(Tokens());
        slot.StartStoring();

        await stopping.CancelAsync();
        await slot.Loop.WaitAsync(ManagerFixture.DriveLimit);

        Assert.Equal(0, attempts); // the manager's stop makes the last attempt itself
        Assert.NotNull(slot.Current);
    }
}
