using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Events;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

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

    [Fact]
    public async Task ARejectionOfTheOldSecret_IsNotRecordedOverASecretCorrectedWhileItWasInFlight()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.BeforeRefresh = async _ =>
        {
            // While the old secret is at the provider, another process commits the corrected one (as its registration does).
            f.Provider.BeforeRefresh = null;
            var stored = await f.RecordAsync();
            var corrected = stored with { Registration = stored.Registration with { ClientSecret = new ClientSecret("the-new-secret") } };
            await f.Store.CommitAsync(new ConnectionCommit(corrected, stored.Version));
        };
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, Rejection);

        var thrown = await Record.ExceptionAsync(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        Assert.True(thrown is TokenAcquisitionException, thrown?.ToString());

        var record = await f.RecordAsync();
        Assert.Equal("the-new-secret", record.Registration.ClientSecret!.Value.Value);
        Assert.NotEqual(ConnectionState.Degraded, record.Status.State); // the new secret was never sent: no verdict, no hold
        Assert.Null(record.NextAttemptAt);
        Assert.Null(record.PendingRefresh); // the rejected request was answered unprocessed: nothing is in doubt
        f.Clock.Advance(TimeSpan.FromSeconds(2)); // past the one-second fail-fast after a failed refresh
        var token = await f.Manager.GetAccessTokenAsync(Id); // and it is tried at once
        Assert.False(token.Token.IsEmpty);
    }

    [Fact]
    public async Task AProcessThatSawTheRejection_AsksAgainOnceAnotherProcessEnabledTheConnection()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, Rejection);
        await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        // Fixed at the provider; an operator disables and enables it from another process (the CLI).
        await using var operatorCli = new ManagerFixture(store: f.Store, clock: f.Clock, provider: f.Provider);
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        await operatorCli.Manager.DisableAsync(Id, "fixing the app");
        await operatorCli.Manager.EnableAsync(Id);
        var requests = f.Provider.Requests;

        var token = await f.Manager.GetAccessTokenAsync(Id);

        Assert.False(token.Token.IsEmpty);
        Assert.Equal(requests + 1, f.Provider.Requests);
    }

    [Fact]
    public async Task AStoreFromBefore013_WithReconnectRequiredForARejectedClient_IsAConfigurationFault_AndEnablingItTriesAgain()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        await f.Manager.GetAccessTokenAsync(Id);
        var stored = await f.RecordAsync();
        await f.Store.CommitAsync(new ConnectionCommit(stored.WithStatus(ConnectionState.ReconnectRequired, StateReasons.InvalidClient, f.Clock.GetUtcNow(), "client secret expired") with { Tokens = stored.Tokens! with { ExpiresAt = f.Clock.GetUtcNow() } }, stored.Version));
        await using var restarted = new ManagerFixture(o => o.MaxAttempts = 1, store: f.Store, clock: f.Clock, provider: f.Provider);

        var error = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => restarted.Manager.GetAccessTokenAsync(Id).AsTask());
        await restarted.Manager.DisableAsync(Id);
        var enabled = await restarted.Manager.EnableAsync(Id);
        var token = await restarted.Manager.GetAccessTokenAsync(Id);

        Assert.Equal(StateReasons.InvalidClient, error.Reason);
        Assert.Equal(ConnectionState.Active, enabled.State);
        Assert.False(token.Token.IsEmpty);
        Assert.DoesNotContain(await ((IEventOutbox)f.Store).ReadAsync(Id), e => e.Event.Type == ConnectionEventTypes.ReconnectRequired);
    }

    [Fact]
    public async Task Enabling_KeepsABackOffTheProviderAskedFor()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Enqueue(HttpStatusCode.TooManyRequests, """{"error":"slow_down"}""", retryAfter: TimeSpan.FromMinutes(10));
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        var requests = f.Provider.Requests;

        await f.Manager.DisableAsync(Id);
        await f.Manager.EnableAsync(Id);
        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Contains("cooling down", error.Message, StringComparison.Ordinal);
        Assert.Equal(requests, f.Provider.Requests);
    }
}
