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
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Google, canIntrospect: false, FirstSent, FirstSent, Window);

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
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Xero, canIntrospect: false, FirstSent, FirstSent.AddMinutes(minutesLater), Window);

        Assert.Equal(resend ? LostAnswerVerdict.Resend : LostAnswerVerdict.GiveUp, decision.Verdict);
    }

    [Fact]
    public void AReuseIntervalCountsAsAGraceWindow()
    {
        var profile = ProviderProfiles.Generic with { Rotation = RefreshTokenRotation.ReuseDetection, RotationGrace = TimeSpan.FromSeconds(30) };

        Assert.Equal(LostAnswerVerdict.Resend, LostAnswerPolicy.Decide(profile, false, FirstSent, FirstSent.AddSeconds(10), Window).Verdict);
        Assert.Equal(LostAnswerVerdict.GiveUp, LostAnswerPolicy.Decide(profile, false, FirstSent, FirstSent.AddSeconds(25), Window).Verdict);
    }

    [Fact]
    public void AnUnknownRotation_IsNeverSentAgain_WithoutAsking_EvenWithAGraceConfigured()
    {
        var profile = ProviderProfiles.Generic with { RotationGrace = TimeSpan.FromHours(1) };

        var decision = LostAnswerPolicy.Decide(profile, canIntrospect: false, FirstSent, FirstSent.AddSeconds(1), Window);

        Assert.Equal(RefreshTokenRotation.Unknown, ProviderProfiles.Generic.Rotation);
        Assert.Equal(LostAnswerVerdict.GiveUp, decision.Verdict);
    }

    [Fact]
    public void WithIntrospection_TheProviderIsAskedOnlyOnceTheFirstRequestCanNoLongerBeInProgress()
    {
        var early = LostAnswerPolicy.Decide(ProviderProfiles.Slack, canIntrospect: true, FirstSent, FirstSent.AddSeconds(34), Window);
        var late = LostAnswerPolicy.Decide(ProviderProfiles.Slack, canIntrospect: true, FirstSent, FirstSent.AddSeconds(35), Window);

        Assert.Equal(LostAnswerVerdict.WaitToIntrospect, early.Verdict);
        Assert.Equal(FirstSent + Window, early.NotBefore);
        Assert.Equal(LostAnswerVerdict.Introspect, late.Verdict);
    }

    [Fact]
    public void PastTheGrace_IntrospectionIsTheFallback()
    {
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.Xero, canIntrospect: true, FirstSent, FirstSent.AddMinutes(40), Window);

        Assert.Equal(LostAnswerVerdict.Introspect, decision.Verdict);
    }

    [Fact]
    public void GivingUp_SaysWhy_InWordsAnOperatorCanActOn()
    {
        var decision = LostAnswerPolicy.Decide(ProviderProfiles.ZendeskSell, canIntrospect: false, FirstSent, FirstSent, Window);

        Assert.Equal(LostAnswerVerdict.GiveUp, decision.Verdict);
        Assert.Contains("no introspection endpoint", decision.Why, StringComparison.Ordinal);
    }
}
