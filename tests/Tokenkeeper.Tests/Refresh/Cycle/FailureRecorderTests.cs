using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>A failed refresh is recorded for what it is, never over credentials or over a newer state.</summary>
public sealed class FailureRecorderTests
{
    private static readonly TokenEndpointFailure Unavailable = new() { Kind = TokenFailureKind.Transient, Message = "HTTP 503 from the token endpoint" };

    private static FailureRecorder Recorder(RefreshRig rig) => new(rig.Context, new VersionedCommitter(rig.Context), rig.Engine.Adopter);

    [Fact]
    public async Task ATransientFailure_DegradesAndBacksOff_AndTheCallerIsToldUntilWhen()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync(withAccessToken: true);
        await using var lease = await rig.LeaseAsync();

        var ex = await Recorder(rig).FailTransientlyAsync(rig.Flight(), working, lease.Lease, Unavailable, keepInDoubt: false);

        var stored = await rig.RecordAsync();
        Assert.Equal((ConnectionState.Degraded, 1), (stored.Status.State, stored.ConsecutiveFailures));
        Assert.Equal(stored.NextAttemptAt, ex.RetryNotBefore);
        Assert.Equal(working.Tokens, stored.Tokens);
        Assert.Same(Unavailable, ex.Failure);
        Assert.Contains(ConnectionEventTypes.RefreshFailed, await rig.EventTypesAsync());
    }

    [Fact]
    public async Task ARefreshInDoubtThatMustWait_KeepsItsIntent_UntilItCanBeSettled()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();
        var intent = new RefreshIntent(seeded.RefreshTokenGeneration, "fp", rig.Now, rig.Options.InstanceId, ResponseLost: false, rig.Now.AddSeconds(35));
        var working = seeded with { PendingRefresh = intent };
        await rig.Store.CommitAsync(new ConnectionCommit(working, seeded.Version));
        working = await rig.RecordAsync();
        await using var lease = await rig.LeaseAsync();
        var decision = new LostAnswerDecision(LostAnswerVerdict.WaitToIntrospect, "the first request may still be at the provider", NotBefore: rig.Now.AddMinutes(10));

        var ex = await Recorder(rig).WaitInDoubtAsync(rig.Flight(), working, lease.Lease, decision);

        var stored = await rig.RecordAsync();
        Assert.Equal(intent with { ResponseLost = true }, stored.PendingRefresh);
        Assert.Equal(rig.Now.AddMinutes(10), stored.NextAttemptAt);
        Assert.Contains("refresh in doubt", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APermanentFailure_NeedsAPerson_RaisesTheAlert_AndDropsTheCachedToken()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync(withAccessToken: true);
        rig.Engine.Adopter.TryAdopt(rig.Source, working, rig.Flight(), out _);
        await using var lease = await rig.LeaseAsync();

        var ex = await Assert.ThrowsAsync<ReconnectRequiredException>(() => Recorder(rig).FailPermanentlyAsync(rig.Source, rig.Flight(), working, lease.Lease, StateReasons.Revoked, "refresh token is invalid"));

        Assert.Equal(StateReasons.Revoked, ex.Reason);
        Assert.Equal(ConnectionState.ReconnectRequired, (await rig.RecordAsync()).Status.State);
        Assert.Null(rig.Source.Current);
        Assert.Contains(ConnectionEventTypes.ReconnectRequired, await rig.EventTypesAsync());
    }

    [Fact]
    public async Task APermanentFailure_OfAConnectionReauthorisedMeanwhile_ServesTheNewGrantInstead()
    {
        var rig = new RefreshRig();
        var working = await rig.SeedAsync(withAccessToken: true);
        await using var lease = await rig.LeaseAsync();
        var reauthorised = RegistrationRules.Authorized(working, rig.Tokens(new RefreshToken("rt-new-consent"), "at-new-consent"), null, rig.Now);
        await rig.Store.CommitAsync(new ConnectionCommit(reauthorised, working.Version));

        var token = await Recorder(rig).FailPermanentlyAsync(rig.Source, rig.Flight(), working, lease.Lease, StateReasons.Revoked, "refresh token is invalid");

        Assert.Equal(new AccessToken("at-new-consent"), token.Token);
        Assert.Equal(ConnectionState.Active, (await rig.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task ClearingAnIntent_ClearsOnlyThisInstancesOwn()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();
        var peers = seeded with { PendingRefresh = new RefreshIntent(seeded.RefreshTokenGeneration, "fp", rig.Now, "peer", false, rig.Now.AddSeconds(35)) };
        await rig.Store.CommitAsync(new ConnectionCommit(peers, seeded.Version));
        await using var lease = await rig.LeaseAsync();

        await Recorder(rig).ClearIntentAsync(await rig.RecordAsync(), lease.Lease);
        Assert.NotNull((await rig.RecordAsync()).PendingRefresh);

        var mine = await rig.RecordAsync() with { PendingRefresh = new RefreshIntent(seeded.RefreshTokenGeneration, "fp", rig.Now, rig.Options.InstanceId, false, rig.Now.AddSeconds(35)) };
        await rig.Store.CommitAsync(new ConnectionCommit(mine, mine.Version, lease.Lease));
        await Recorder(rig).ClearIntentAsync(await rig.RecordAsync(), lease.Lease);
        Assert.Null((await rig.RecordAsync()).PendingRefresh);
    }
}
