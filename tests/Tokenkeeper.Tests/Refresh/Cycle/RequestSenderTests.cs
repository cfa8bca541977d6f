using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>Sending a token request: the intent recorded before it leaves, retries only when they are safe, nothing sent once
/// stopping, and the outcome as a value.</summary>
public sealed class RequestSenderTests
{
    private static async Task<(SendResult Result, SendState Send)> SendAsync(RefreshRig rig, HeldLease lease, CancellationToken stopping = default, ConnectionRecord? working = null)
    {
        var record = working ?? await rig.RecordAsync();
        var send = new SendState(record, lease, rig.Now) { InFlightUntil = rig.Now };
        var doubts = new InDoubtResolver(rig.Context);
        var sender = new RequestSender(rig.Context, doubts, new VersionedCommitter(rig.Context));
        var request = rig.Context.Requests.Create(record.Registration, rig.Profile, record.Tokens?.RefreshToken);
        var result = await rig.DriveAsync(sender.SendAsync(send, request, rig.Profile, TokenRequestFactory.ClientKey(record.Registration, rig.Profile), stopping));
        return (result, send);
    }

    [Fact]
    public async Task TheIntent_IsInTheStoreWhileTheRequestIsAtTheProvider_AndTheLeaseCoversIt()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        RefreshIntent? seenByTheProvider = null;
        StoreLease? leaseDuringTheRequest = null;
        rig.Provider.BeforeRefresh = async _ =>
        {
            seenByTheProvider = (await rig.RecordAsync()).PendingRefresh;
            leaseDuringTheRequest = await rig.Store.GetLeaseAsync(RefreshRig.Id);
        };

        var (result, send) = await SendAsync(rig, lease);

        Assert.Equal(SendEnd.Answered, result.End);
        Assert.True(result.Answer!.IsSuccess);
        Assert.Equal((rig.Options.InstanceId, rig.Now + rig.Context.Timings.RequestWindow), (seenByTheProvider!.Owner, seenByTheProvider.InFlightUntil!.Value));
        Assert.True(leaseDuringTheRequest!.ExpiresAt - rig.Now >= rig.Context.Timings.RequestWindow);
        Assert.Equal(1, send.Attempts);
    }

    [Fact]
    public async Task AnAnswerThatProvesNothingWasDone_ClearsTheIntent_AndAFailureThatMayPassIsRetried()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        rig.Provider.Enqueue(HttpStatusCode.TooManyRequests, """{"error":"slow_down"}""", TimeSpan.FromSeconds(2));
        var intentCommits = new List<bool>();
        rig.Store.BeforeCommit = commit => { intentCommits.Add(commit.Record.PendingRefresh is not null); return null; };

        var (result, send) = await SendAsync(rig, lease);

        Assert.True(result.Answer!.IsSuccess);
        Assert.Equal(2, send.Attempts);
        Assert.False(send.InDoubt);
        Assert.Equal([true, false, true], intentCommits); // recorded, cleared by the 429 (nothing was done), recorded again
        Assert.Equal(2, rig.Provider.Requests);
    }

    [Fact]
    public async Task ALostAnswerAtAProviderThatMayRotate_IsNotSentAgain()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        rig.Provider.EnqueueDropAfter(); // processed, then the connection dropped: the answer is lost

        var (result, send) = await SendAsync(rig, lease);

        Assert.Equal(SendEnd.Answered, result.End);
        Assert.True(result.Answer!.Failure!.MaybeProcessed);
        Assert.True(send.InDoubt);
        Assert.Equal(1, rig.Provider.Requests);
        Assert.NotNull((await rig.RecordAsync()).PendingRefresh); // left for the refresh to decide
    }

    [Fact]
    public async Task ALostAnswerAtAProviderKnownNotToRotate_IsSentAgainInTheCycle()
    {
        var rig = new RefreshRig(ProviderProfiles.Google);
        rig.Provider.Rotate = false;
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        rig.Provider.EnqueueDropAfter();

        var (result, send) = await SendAsync(rig, lease);

        Assert.True(result.Answer!.IsSuccess);
        Assert.Equal(2, send.Attempts);
    }

    [Fact]
    public async Task OnceStopping_NothingIsSent_AndTheIntentIsTakenBack()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();

        var (result, _) = await SendAsync(rig, lease, stopping.Token);

        Assert.Equal(SendEnd.Stopped, result.End);
        Assert.Equal(0, rig.Provider.Requests);
        Assert.Null((await rig.RecordAsync()).PendingRefresh);
    }

    [Fact]
    public async Task ALeaseTakenOverBeforeTheIntent_IsRefused_AndNothingIsSent()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        var lease = await rig.LeaseAsync();
        rig.Clock.SetUtcNow(lease.Lease.ExpiresAt.AddSeconds(1));
        await rig.Store.TryAcquireLeaseAsync(RefreshRig.Id, "peer", TimeSpan.FromMinutes(5));

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => SendAsync(rig, lease));

        Assert.Equal(0, rig.Provider.Requests);
        Assert.Null((await rig.RecordAsync()).PendingRefresh);
    }

    [Fact]
    public async Task ALeaseThatCouldNotBeRenewedToCoverTheRequest_SendsNothing_AndTakesTheIntentBack()
    {
        var rig = new RefreshRig();
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        rig.Clock.SetUtcNow(lease.Lease.ExpiresAt - rig.Context.Timings.RequestWindow); // too little left for a request
        rig.Store.RenewLease = _ => null; // and another instance has it now

        var (result, _) = await SendAsync(rig, lease);

        Assert.Equal(SendEnd.LeaseLost, result.End);
        Assert.Equal(0, rig.Provider.Requests);
        Assert.Null((await rig.RecordAsync()).PendingRefresh);
    }

    [Fact]
    public async Task AGrantWithoutARefreshToken_RecordsNoIntent()
    {
        var rig = new RefreshRig(grant: OAuthGrantType.ClientCredentials);
        await rig.SeedAsync();
        await using var lease = await rig.LeaseAsync();
        var intents = 0;
        rig.Store.BeforeCommit = commit => { intents += commit.Record.PendingRefresh is null ? 0 : 1; return null; };

        var (result, _) = await SendAsync(rig, lease);

        Assert.True(result.Answer!.IsSuccess);
        Assert.Equal(0, intents);
    }
}
