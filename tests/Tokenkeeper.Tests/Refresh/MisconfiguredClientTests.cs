using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Events;
using Tokenkeeper.Refresh;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// A client the provider rejects (<c>invalid_client</c>) is a configuration fault, not a dead grant (issue 13, item 1): the
/// connection is Degraded with that reason, the grant and its refresh token are kept, nobody asks the provider again with the
/// same configuration for <see cref="RefreshConstants.MisconfiguredRetryWait"/>, and after that, or after an operator enables a
/// connection disabled meanwhile, the same grant works again without consent.
/// </summary>
public sealed class MisconfiguredClientTests
{
    private const string Id = ManagerFixture.ConnectionId;
    private const string Rejection = """{"error":"invalid_client","error_description":"client secret expired"}""";

    [Fact]
    public async Task AnotherProcess_SendsNothingWithTheRejectedConfiguration_UntilTheHoldEnds_ThenTheSameGrantWorks()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        var grant = (await f.RecordAsync()).Tokens!.RefreshToken;
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, Rejection);
        var rejected = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        var requests = f.Provider.Requests;

        await using var peer = new ManagerFixture(o => o.MaxAttempts = 1, store: f.Store, clock: f.Clock, provider: f.Provider);
        var held = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => peer.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(requests, f.Provider.Requests);
        Assert.Equal(("client-1", StateReasons.InvalidClient, "client secret expired"), (held.ClientId, held.Reason, held.Detail));
        Assert.Equal(rejected.RetryNotBefore, held.RetryNotBefore);
        Assert.Equal(f.Clock.GetUtcNow() + RefreshConstants.MisconfiguredRetryWait, held.RetryNotBefore);
        var stored = await f.RecordAsync();
        Assert.Equal((ConnectionState.Degraded, StateReasons.InvalidClient), (stored.Status.State, stored.Status.Reason));
        Assert.Equal(grant, stored.Tokens!.RefreshToken); // the grant is kept: nothing was spent
        Assert.DoesNotContain(await ((IEventOutbox)f.Store).ReadAsync(Id), e => e.Event.Type == ConnectionEventTypes.ReconnectRequired);
        var failed = Assert.Single(await ((IEventOutbox)f.Store).ReadAsync(Id), e => e.Event.Type == ConnectionEventTypes.RefreshFailed).Event;
        Assert.Equal((StateReasons.InvalidClient, "false"), (failed.Reason, failed.Data!["reauthorisation_needed"]));

        // The provider-side fix (a re-enabled app) is picked up once the hold has passed, by any process, with the same grant.
        f.Clock.Advance(RefreshConstants.MisconfiguredRetryWait);
        var token = await peer.Manager.GetAccessTokenAsync(Id);

        Assert.False(token.Token.IsEmpty);
        Assert.Equal(grant!.Value.Value, f.Provider.PresentedRefreshTokens.Last());
        Assert.Equal((ConnectionState.Active, StateReasons.Refreshed), ((await f.RecordAsync()).Status.State, (await f.RecordAsync()).Status.Reason));
    }

    [Fact]
    public async Task TheStillValidAccessToken_IsServedWhileTheClientIsRejected()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, Rejection);
        await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.Manager.RefreshAsync(Id));

        var served = await f.Manager.GetAccessTokenAsync(Id);

        Assert.Equal(first.Token, served.Token);
    }

    [Fact]
    public async Task EnablingAConnectionDisabledAfterARejection_TriesAgainAtOnce()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, Rejection);
        await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        await f.Manager.DisableAsync(Id, "fixing the app at the provider");
        var enabled = await f.Manager.EnableAsync(Id);
        var token = await f.Manager.GetAccessTokenAsync(Id);

        Assert.Equal(ConnectionState.Active, enabled.State);
        Assert.False(token.Token.IsEmpty);
        var record = await f.RecordAsync();
        Assert.Equal((ConnectionState.Active, 0, f.Clock.GetUtcNow()), (record.Status.State, record.ConsecutiveFailures, record.LastRefreshAt));
    }
}
