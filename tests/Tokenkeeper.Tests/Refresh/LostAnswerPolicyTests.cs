using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>When a refresh token whose answer was lost may be sent again (DESIGN.md contract 6: in doubt means in doubt).</summary>
public sealed class LostAnswerPolicyTests
{
    private static readonly DateTimeOffset FirstSent = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(35);

    [Fact]
    public void AProviderKnownNotToRotate_IsSentTheSameTokenAgain_AtOnce()
    {
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Google, canIntrospect: false, FirstSent, FirstSent + Window, FirstSent);

        Assert.Equal(LostAnswerVerdict.Resend, decision.Verdict);
        Assert.Contains("does not rotate", decision.Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(23, true)]
    [InlineData(24, false)] // 80% of Xero's 30 minutes: too close to the end of the grace to trust it
    [InlineData(31, false)]
    public void InsideTheGraceWindow_TheTokenIsSentAgain_AfterItNothingIs(int minutesLater, bool resend)
    {
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Xero, canIntrospect: false, FirstSent, FirstSent + Window, FirstSent.AddMinutes(minutesLater));

        Assert.Equal(resend ? LostAnswerVerdict.Resend : LostAnswerVerdict.GiveUp, decision.Verdict);
    }

    [Fact]
    public void AReuseIntervalCountsAsAGraceWindow()
    {
        var profile = ProviderProfiles.Generic with { Rotation = RefreshTokenRotation.ReuseDetection, RotationGrace = TimeSpan.FromSeconds(30) };

        Assert.Equal(LostAnswerVerdict.Resend, LostAnswerPolicy.Decide(profile, false, FirstSent, FirstSent + Window, FirstSent.AddSeconds(10)).Verdict);
        Assert.Equal(LostAnswerVerdict.GiveUp, LostAnswerPolicy.Decide(profile, false, FirstSent, FirstSent + Window, FirstSent.AddSeconds(25)).Verdict);
    }

    [Fact]
    public void AnUnknownRotation_IsNeverSentAgain_WithoutAsking_EvenWithAGraceConfigured()
    {
        var profile = ProviderProfiles.Generic with { RotationGrace = TimeSpan.FromHours(1) };

        var decision = LostAnswerPolicy.Decide(profile, canIntrospect: false, FirstSent, FirstSent + Window, FirstSent.AddSeconds(1));

        Assert.Equal(RefreshTokenRotation.Unknown, ProviderProfiles.Generic.Rotation);
        Assert.Equal(LostAnswerVerdict.GiveUp, decision.Verdict);
    }

    [Fact]
    public void WithIntrospection_TheProviderIsAskedOnlyOnceTheFirstRequestCanNoLongerBeInProgress()
    {
        var early = LostAnswerPolicy.Decide(ProviderProfiles.Slack, canIntrospect: true, FirstSent, FirstSent + Window, FirstSent.AddSeconds(34));
        var late = LostAnswerPolicy.Decide(ProviderProfiles.Slack, canIntrospect: true, FirstSent, FirstSent + Window, FirstSent.AddSeconds(35));

        Assert.Equal(LostAnswerVerdict.WaitToIntrospect, early.Verdict);
        Assert.Equal(FirstSent + Window, early.NotBefore);
        Assert.Equal(LostAnswerVerdict.Introspect, late.Verdict);
    }

    [Fact]
    public void PastTheGrace_IntrospectionIsTheFallback()
    {
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Xero, canIntrospect: true, FirstSent, FirstSent + Window, FirstSent.AddMinutes(40));

        Assert.Equal(LostAnswerVerdict.Introspect, decision.Verdict);
    }

    [Fact]
    public void AtAGraceProvider_IntrospectionWaitsForTheEndOfTheGrace_WhenARotatedTokenStillLooksActive()
    {
        // Between 80% and 100% of Xero's 30 minutes a rotated token still introspects as active: that would prove nothing.
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Xero, canIntrospect: true, FirstSent, FirstSent + Window, FirstSent.AddMinutes(25));

        Assert.Equal(LostAnswerVerdict.WaitToIntrospect, decision.Verdict);
        Assert.Equal(FirstSent + ProviderProfiles.Xero.RotationGrace, decision.NotBefore);
    }

    [Fact]
    public void IntrospectionWaitsForTheLastRequestsWindow_NotTheFirsts()
    {
        // Sent first at FirstSent, sent again (and lost again) 30 s later: that last request may be in flight until +30 s + window.
        var lastInFlightUntil = FirstSent.AddSeconds(30) + Window;
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Slack, canIntrospect: true, FirstSent, lastInFlightUntil, FirstSent + Window);

        Assert.Equal(LostAnswerVerdict.WaitToIntrospect, decision.Verdict);
        Assert.Equal(lastInFlightUntil, decision.NotBefore);
    }

    [Fact]
    public void GivingUp_SaysWhy_InWordsAnOperatorCanActOn()
    {
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.ZendeskSell, canIntrospect: false, FirstSent, FirstSent + Window, FirstSent);

        Assert.Equal(LostAnswerVerdict.GiveUp, decision.Verdict);
        Assert.Contains("no introspection endpoint", decision.Why, StringComparison.Ordinal);
    }
}
