using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>A refresh left in doubt is settled by the rules, and by the provider's own word where the rules allow asking it.</summary>
public sealed class InDoubtResolverTests
{
    private static async Task<(ConnectionRecord Record, RefreshIntent Pending)> InDoubtAsync(RefreshRig rig, bool introspection)
    {
        var record = await rig.SeedAsync(shape: r => introspection ? r with { Registration = r.Registration with { IntrospectionEndpoint = InMemoryProvider.IntrospectionEndpoint } } : r);
        var pending = new RefreshIntent(record.RefreshTokenGeneration, record.Tokens!.RefreshToken!.Value.Fingerprint, rig.Now, rig.Options.InstanceId, ResponseLost: true, rig.Now + rig.Context.Timings.RequestWindow);
        return (record with { PendingRefresh = pending }, pending);
    }

    private static Task<LostAnswerDecision> SettleAsync(RefreshRig rig, ConnectionRecord record, RefreshIntent pending) =>
        new InDoubtResolver(rig.Context).SettleAsync(record, pending, rig.Context.Requests.Create(record.Registration, rig.Profile, record.Tokens!.RefreshToken), rig.Profile);

    [Fact]
    public async Task AProviderKnownNotToRotate_IsSentTheTokenAgain_WithoutAsking()
    {
        var rig = new RefreshRig(ProviderProfiles.Google);
        var (record, pending) = await InDoubtAsync(rig, introspection: true);

        var decision = await SettleAsync(rig, record, pending);

        Assert.Equal(LostAnswerVerdict.Resend, decision.Verdict);
        Assert.Empty(rig.Provider.Introspections);
    }

    [Fact]
    public async Task AProviderThatMayRotate_WithNoWayToAsk_IsGivenUp_AndThePersonIsToldHowToAvoidItNextTime()
    {
        var rig = new RefreshRig();
        var (record, pending) = await InDoubtAsync(rig, introspection: false);

        var decision = await SettleAsync(rig, record, pending);

        Assert.Equal(LostAnswerVerdict.GiveUp, decision.Verdict);
        var detail = InDoubtResolver.LostDetail(pending, decision);
        Assert.Contains(pending.RefreshTokenFingerprint, detail, StringComparison.Ordinal);
        Assert.Contains("give the connection an introspection endpoint", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(record.Tokens!.RefreshToken!.Value.Value, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheProviderIsAsked_OnlyOnceTheLostRequestCanNoLongerBeInProgress()
    {
        var rig = new RefreshRig(ProviderProfiles.Slack);
        var (record, pending) = await InDoubtAsync(rig, introspection: true);

        var early = await SettleAsync(rig, record, pending);

        Assert.Equal(LostAnswerVerdict.WaitToIntrospect, early.Verdict);
        Assert.Equal(pending.InFlightUntil, early.NotBefore);
        Assert.Empty(rig.Provider.Introspections);
    }

    [Fact]
    public async Task AnActiveToken_IsSentAgain_ASpentOneIsGivenUp_AndNoAnswerMeansAskAgainLater()
    {
        var rig = new RefreshRig(ProviderProfiles.Slack);
        var (record, pending) = await InDoubtAsync(rig, introspection: true);
        rig.Clock.SetUtcNow(pending.InFlightUntil!.Value);

        var active = await SettleAsync(rig, record, pending);
        rig.Provider.IntrospectionFailsWith = HttpStatusCode.ServiceUnavailable;
        var unanswered = await SettleAsync(rig, record, pending);
        rig.Provider.IntrospectionFailsWith = null;
        rig.Provider.RevokeAll();
        var spent = await SettleAsync(rig, record, pending);

        Assert.Equal((LostAnswerVerdict.Resend, true), (active.Verdict, active.TokenActive));
        Assert.Equal(LostAnswerVerdict.WaitToIntrospect, unanswered.Verdict);
        Assert.Equal((LostAnswerVerdict.GiveUp, false), (spent.Verdict, spent.TokenActive));
        Assert.Equal(3, rig.Provider.Introspections.Count);
    }

    [Fact]
    public void OnlyAClientThatCanAuthenticate_CanAsk()
    {
        var registration = new ConnectionRegistration { TokenEndpoint = InMemoryProvider.TokenEndpoint, ClientId = "c", IntrospectionEndpoint = InMemoryProvider.IntrospectionEndpoint };

        Assert.True(InDoubtResolver.CanIntrospect(registration, ProviderProfiles.Slack));
        Assert.False(InDoubtResolver.CanIntrospect(registration with { ClientAuthMethod = ClientAuthMethod.None }, ProviderProfiles.Slack));
        Assert.False(InDoubtResolver.CanIntrospect(registration with { IntrospectionEndpoint = null }, ProviderProfiles.Slack));
    }
}
