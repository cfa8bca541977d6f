using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>One refresh under the lease: from the record to a committed token, or to the failure each answer calls for.</summary>
public sealed class GrantRefresherTests
{
    private static GrantRefresher Refresher(RefreshRig rig)
    {
        var context = rig.Context;
        var committer = new VersionedCommitter(context);
        var doubts = new InDoubtResolver(context);
        var successes = new SuccessCommitter(context, new IssuedTokenCommitter(context, committer, rig.Engine.KeptStorage), rig.Engine.Adopter);
        return new GrantRefresher(context, doubts, new RequestSender(context, doubts, committer), successes, new FailureRecorder(context, committer, rig.Engine.Adopter), rig.Engine.Adopter);
    }

    private static async Task<ManagedAccessToken> RefreshAsync(RefreshRig rig, CancellationToken stopping = default)
    {
        await using var lease = await rig.LeaseAsync();
        return await rig.DriveAsync(Refresher(rig).RefreshAsync(rig.Source, rig.Flight(RefreshTrigger.Expiring), await rig.RecordAsync(), lease, stopping));
    }

    [Fact]
    public async Task ARefresh_CommitsTheNewTokens_ClearsTheIntent_AndServesThem()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();

        var token = await RefreshAsync(rig);

        var stored = await rig.RecordAsync();
        Assert.Same(token, rig.Source.Current);
        Assert.Equal((seeded.RefreshTokenGeneration + 1, (RefreshIntent?)null), (stored.RefreshTokenGeneration, stored.PendingRefresh));
        Assert.Equal(stored.Tokens!.AccessToken, token.Token);
    }

    [Fact]
    public async Task ARefusedRefreshToken_ThatAnOperatorReplacedMeanwhile_IsRetriedOnceWithTheStoredOne()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();
        var replacement = rig.Provider.NewRefreshToken();
        var replaced = false;
        rig.Provider.BeforeRefresh = async presented =>
        {
            if (!replaced)
            {
                replaced = true;
                rig.Provider.Revoke(presented);
                var latest = await rig.RecordAsync();
                var reauthorised = RegistrationRules.Authorized(latest, TokenSets.FromRefreshToken(new RefreshToken(replacement), rig.Now), null, rig.Now);
                await rig.Store.CommitAsync(new ConnectionCommit(reauthorised, latest.Version));
            }
        };

        var token = await RefreshAsync(rig);

        Assert.Equal([seeded.Tokens!.RefreshToken!.Value.Value, replacement], rig.Provider.PresentedRefreshTokens);
        Assert.Equal(ConnectionState.Active, (await rig.RecordAsync()).Status.State);
        Assert.Same(token, rig.Source.Current);
    }

    [Fact]
    public async Task ARefusedRefreshToken_WithNothingNewerStored_NeedsAPerson()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        rig.Provider.RevokeAll();

        var ex = await Assert.ThrowsAsync<ReconnectRequiredException>(() => RefreshAsync(rig));

        Assert.Equal(StateReasons.Revoked, ex.Reason);
        Assert.Null((await rig.RecordAsync()).PendingRefresh);
    }

    [Fact]
    public async Task ARejectedClient_IsRemembered_SoTheNextRefreshSendsNothing()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        rig.Provider.Enqueue(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"bad secret"}""");

        var first = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => RefreshAsync(rig));
        await rig.Store.CommitAsync(new ConnectionCommit((await rig.RecordAsync()).WithStatus(ConnectionState.Active, StateReasons.Reconfigured, rig.Now), (await rig.RecordAsync()).Version));
        var second = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => RefreshAsync(rig));

        Assert.Equal((StateReasons.InvalidClient, StateReasons.InvalidClient), (first.Reason, second.Reason));
        Assert.Equal(1, rig.Provider.Requests);
    }

    [Fact]
    public async Task ARotatedButUnusableAnswer_KeepsTheNewRefreshToken_AndFailsTheCycle()
    {
        var rig = new RefreshRig();
        var seeded = await rig.SeedAsync();
        rig.Provider.EnqueueRotatedButGarbled();

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => RefreshAsync(rig));

        var stored = await rig.RecordAsync();
        Assert.Equal(seeded.RefreshTokenGeneration + 1, stored.RefreshTokenGeneration);
        Assert.NotEqual(seeded.Tokens!.RefreshToken, stored.Tokens!.RefreshToken);
        Assert.Equal(1, stored.ConsecutiveFailures);
        Assert.Equal(1, rig.Provider.Requests); // the dead token is never sent again
    }

    [Fact]
    public async Task ARefreshLeftInDoubt_IsSettledBeforeAnythingIsSent()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync(shape: r => r with { PendingRefresh = new RefreshIntent(r.RefreshTokenGeneration, "fp", rig.Now, "a-process-that-died", ResponseLost: true, rig.Now.AddSeconds(35)) });
        rig.Clock.Advance(TimeSpan.FromMinutes(1));

        var ex = await Assert.ThrowsAsync<ReconnectRequiredException>(() => RefreshAsync(rig));

        Assert.Equal(StateReasons.RotationLostInFlight, ex.Reason);
        Assert.Equal(0, rig.Provider.Requests);
    }

    [Fact]
    public async Task OnceStopping_NothingIsSent_AndTheCallerIsToldWhy()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        var ex = await Assert.ThrowsAsync<TokenAcquisitionException>(() => RefreshAsync(rig, stopping.Token));

        Assert.Contains("stopping", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, rig.Provider.Requests);
    }
}
