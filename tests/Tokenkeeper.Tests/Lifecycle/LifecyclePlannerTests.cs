using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Lifecycle;

public sealed class LifecyclePlannerTests
{
    private static readonly DateTimeOffset Authorized = new(2026, 1, 1, 2, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Profiles()
    {
        var data = new TheoryData<string>();
        foreach (var profile in ProviderProfiles.All)
        {
            data.Add(profile.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Plan_EveryProfile_DeadlinesKeepAliveAndWarningsFollowItsLifetimes(string name)
    {
        var profile = ProviderProfiles.Get(name);
        var planner = new LifecyclePlanner(new LifecycleOptions());
        var lastUse = Authorized.AddDays(3);

        var plan = planner.Plan(Record(lastRefresh: lastUse), profile, Authorized);

        Assert.Equal(lastUse + profile.RefreshTokenIdleLifetime, plan.IdleDeadline);
        Assert.Equal(Authorized + profile.RefreshTokenAbsoluteLifetime, plan.AbsoluteDeadline);
        if (profile.RefreshTokenIdleLifetime is { } idle && (plan.AbsoluteDeadline is null || plan.AbsoluteDeadline > plan.IdleDeadline - (idle / 3)))
        {
            // Due a third of the idle lifetime before the idle deadline: day 20 of 30, day 40 of 60, day 120 of 180.
            Assert.Equal(plan.IdleDeadline - (idle / 3), plan.NextKeepAliveAt);
        }
        else
        {
            Assert.Null(plan.NextKeepAliveAt);
        }

        if (plan.AbsoluteDeadline is { } absolute)
        {
            Assert.Equal([absolute.AddDays(-14), absolute.AddDays(-7), absolute.AddDays(-3), absolute.AddDays(-1)], plan.Warnings.Select(w => w.At));
        }
        else
        {
            Assert.Empty(plan.Warnings);
        }
    }

    [Fact]
    public void Plan_ProviderStatedRefreshTokenLifetime_WinsOverTheProfile()
    {
        var stated = Authorized.AddDays(100);
        var record = Record() with { Tokens = Record().Tokens! with { RefreshTokenExpiresAt = stated } };

        var plan = new LifecyclePlanner(new LifecycleOptions()).Plan(record, ProviderProfiles.QuickBooks, Authorized);

        Assert.Equal(stated, plan.AbsoluteDeadline);
    }

    [Fact]
    public void Plan_DailyWindow_SchedulesTheKeepAliveAtTheLastWindowBeforeItIsDue()
    {
        var planner = new LifecyclePlanner(new LifecycleOptions { DailyWindow = new TimeOnly(2, 0) });

        var plan = planner.Plan(Record(lastRefresh: Authorized.AddHours(13)), ProviderProfiles.Salesforce, Authorized);

        // Idle deadline day 30 at 15:00; due day 20 at 15:00; the 02:00 window that day comes first.
        Assert.Equal(Authorized.AddDays(20), plan.NextKeepAliveAt);
    }

    [Fact]
    public void Plan_KeepAlive_IsNotPlannedPastTheAbsoluteDeadline()
    {
        var profile = ProviderProfiles.Xero with { RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(30) };

        var plan = new LifecyclePlanner(new LifecycleOptions()).Plan(Record(), profile, Authorized);

        Assert.Null(plan.NextKeepAliveAt);
        Assert.Equal(Authorized.AddDays(30), plan.RefreshTokenDeadline);
    }

    [Fact]
    public void Plan_KeepAliveOff_PlansNoKeepAlive_ButStillWarns()
    {
        var plan = new LifecyclePlanner(new LifecycleOptions { KeepAlive = false }).Plan(Record(), ProviderProfiles.QuickBooks, Authorized);

        Assert.Null(plan.NextKeepAliveAt);
        Assert.Equal(4, plan.Warnings.Count);
    }

    [Fact]
    public void Plan_WarningsAlreadySentForThisDeadline_AreNotPlannedAgain_ButANewDeadlineStartsOver()
    {
        var planner = new LifecyclePlanner(new LifecycleOptions());
        var deadline = Authorized.AddDays(7);
        var warned = Record() with { WarnedDeadline = deadline, ExpiryWarningsSent = [14, 7] };

        var same = planner.Plan(warned, ProviderProfiles.GoogleTesting, Authorized);
        var reauthorised = planner.Plan(warned with { AuthorizedAt = Authorized.AddDays(5) }, ProviderProfiles.GoogleTesting, Authorized);

        Assert.Equal([3, 1], same.Warnings.Select(w => w.DaysBefore));
        Assert.Equal([14, 7, 3, 1], reauthorised.Warnings.Select(w => w.DaysBefore));
    }

    [Fact]
    public void Due_SeveralThresholdsAtOnce_AreAllDue_NoneAfterTheDeadline()
    {
        var plan = new LifecyclePlanner(new LifecycleOptions()).Plan(Record(), ProviderProfiles.GoogleTesting, Authorized);

        Assert.Equal([14, 7], LifecyclePlanner.Due(plan, Authorized).Select(w => w.DaysBefore));
        Assert.Empty(LifecyclePlanner.Due(plan, Authorized.AddDays(7)));
        Assert.True(plan.DeadlineReached(Authorized.AddDays(7)));
        Assert.False(plan.DeadlineReached(Authorized.AddDays(7).AddTicks(-1)));
    }

    [Fact]
    public void Plan_ClientCredentials_HasNoRefreshTokenDeadlines()
    {
        var record = Record() with { Registration = Record().Registration with { Grant = OAuthGrantType.ClientCredentials } };

        var plan = new LifecyclePlanner(new LifecycleOptions()).Plan(record, ProviderProfiles.Xero, Authorized);

        Assert.Null(plan.IdleDeadline);
        Assert.Null(plan.NextKeepAliveAt);
        Assert.Null(plan.NextDueAt);
    }

    [Fact]
    public void Plan_AfterTheAbsoluteDeadline_PlansNoWarnings_AndAProbe_ThenDailyOnceTheProviderAcceptedARefreshPastIt()
    {
        var planner = new LifecyclePlanner(new LifecycleOptions());
        var deadline = Authorized.AddDays(7);

        var before = planner.Plan(Record(), ProviderProfiles.GoogleTesting, Authorized);
        var after = planner.Plan(Record(), ProviderProfiles.GoogleTesting, deadline.AddHours(1));
        var accepted = planner.Plan(Record(lastRefresh: deadline.AddHours(1)), ProviderProfiles.GoogleTesting, deadline.AddHours(2));

        Assert.Equal(deadline, before.NextProbeAt);
        Assert.Equal(4, before.Warnings.Count);
        Assert.Empty(after.Warnings);
        Assert.Equal(deadline, after.NextDueAt);
        Assert.True(after.ProbeDue(deadline.AddHours(1)));
        Assert.Equal(deadline.AddHours(1) + LifecycleConstants.DeadlineProbeInterval, accepted.NextProbeAt);
        Assert.False(accepted.ProbeDue(deadline.AddHours(2)));
    }

    [Fact]
    public void Plan_InABackoff_NextDueAtWaitsForIt()
    {
        var planner = new LifecyclePlanner(new LifecycleOptions());
        var keepAliveDue = planner.Plan(Record(), ProviderProfiles.Xero, Authorized).NextKeepAliveAt!.Value;
        var backingOff = Record() with { NextAttemptAt = keepAliveDue.AddMinutes(30) };

        var plan = planner.Plan(backingOff, ProviderProfiles.Xero, keepAliveDue);

        Assert.Equal(keepAliveDue, plan.NextKeepAliveAt);
        Assert.Equal(keepAliveDue.AddMinutes(30), plan.NextDueAt);
    }

    private static ConnectionRecord Record(DateTimeOffset? lastRefresh = null) => new()
    {
        ConnectionId = "c",
        Registration = new ConnectionRegistration { TokenEndpoint = new Uri("https://p.test/token"), ClientId = "client" },
        Tokens = TokenSets.FromRefreshToken(new RefreshToken("r"), Authorized),
        Status = new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, Authorized),
        AuthorizedAt = Authorized,
        LastRefreshAt = lastRefresh,
    };
}
