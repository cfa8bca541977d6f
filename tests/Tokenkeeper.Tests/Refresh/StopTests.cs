using System.Net;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// A normal exit in the middle of a refresh (DESIGN.md contract 4): stopping never abandons a token request that may have reached
/// the provider. It waits for the answer, commits it, and leaves no lease and no intent; what was not yet sent is not sent.
/// </summary>
public sealed class StopTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public async Task DisposingWhileATokenRequestIsAtTheProvider_WaitsForItsAnswer_CommitsIt_AndLeavesNoLeaseOrIntent()
    {
        var f = new ManagerFixture();
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var caller = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Provider.Active == 1);

        var disposing = f.Manager.DisposeAsync().AsTask();
        await Waits.UntilAsync(() => f.Logs.Lines.Any(l => l.Contains("waiting for 1 token request", StringComparison.Ordinal)), "disposal to wait for the request");
        var waitedForTheAnswer = !disposing.IsCompleted; // only the provider's answer can end the wait now
        f.Provider.Gate.SetResult();
        await disposing.WaitAsync(ManagerFixture.DriveLimit);

        Assert.True(waitedForTheAnswer, "disposal did not wait for the token request at the provider");
        var token = await caller;
        var record = await f.RecordAsync();
        Assert.Equal(token.Token, record.Tokens!.AccessToken);
        Assert.NotEqual(f.InitialRefreshToken, record.Tokens.RefreshToken!.Value.Value);
        Assert.Null(record.PendingRefresh);
        Assert.Null(await f.Store.GetLeaseAsync(Id));
    }

    [Fact]
    public async Task StoppingDuringTheBackOffBeforeARetry_SendsNothingMore_AndLeavesNoLeaseOrIntent()
    {
        await using var f = new ManagerFixture();
        f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");
        var caller = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Provider.Requests == 1 && f.Clock.NextDueTime() is not null);

        await f.Manager.StopAsync().WaitAsync(ManagerFixture.DriveLimit);

        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => caller);
        Assert.Equal(1, f.Provider.Requests);
        var record = await f.RecordAsync();
        Assert.Null(record.PendingRefresh);
        Assert.Equal(1, record.ConsecutiveFailures);
        Assert.Null(await f.Store.GetLeaseAsync(Id));
        Assert.Contains("temporarily_unavailable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AfterStopping_CachedTokensAreServed_ButNoRefreshStarts()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        await f.Manager.StopAsync();

        var cached = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        var error = await Assert.ThrowsAsync<TokenAcquisitionException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(first.Token, cached.Token);
        Assert.Contains("stopping", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, f.Provider.Requests);
    }

    [Fact]
    public async Task StoppingWhileWaitingForAnotherInstancesLease_EndsTheWait_WithoutSendingAnything()
    {
        await using var f = new ManagerFixture();
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken));
        Assert.NotNull(await f.Store.TryAcquireLeaseAsync(Id, "another-machine:7:4026531836:x", TimeSpan.FromMinutes(5)));
        var caller = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Manager.Metrics.LeaseWaits > 0);

        await f.Manager.StopAsync().WaitAsync(ManagerFixture.DriveLimit);

        var error = await Assert.ThrowsAsync<TokenAcquisitionException>(() => caller);
        Assert.Contains("stopping", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, f.Provider.Requests);
    }

    [Fact]
    public async Task StopAsync_IsIdempotent_AndDisposeAfterItReturnsAtOnce()
    {
        var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);

        var first = f.Manager.StopAsync();
        var second = f.Manager.StopAsync();
        await Task.WhenAll(first, second);
        await f.Manager.DisposeAsync();

        Assert.True(first.IsCompletedSuccessfully && second.IsCompletedSuccessfully);
    }
}
