using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh;

public sealed class TokenManagerTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public async Task GetSource_ByName_IsTheSameSourceEveryTime_AcrossManyConnections_AndForEqualNotIdenticalStrings()
    {
        await using var f = new ManagerFixture();
        var names = Enumerable.Range(0, Tokenkeeper.Refresh.RefreshConstants.SourceSnapshotAlwaysRebuildBelow + 700).Select(i => "conn-" + i).ToArray();
        var first = names.Select(f.Manager.GetSource).ToArray();

        Assert.Equal(names.Length, first.Distinct().Count());
        for (var i = 0; i < names.Length; i++)
        {
            Assert.Same(first[i], f.Manager.GetSource(new string(names[i].AsSpan())));
            Assert.Equal(names[i], first[i].ConnectionId);
        }

        Assert.Throws<ArgumentException>(() => f.Manager.GetSource(" "));
        Assert.Throws<ArgumentNullException>(() => f.Manager.GetSource(null!));
    }

    [Fact]
    public async Task GetStatus_SaysNothingOfAConnectionTheStoreDoesNotKnow_ThenFollowsItsState_WithoutItsSecrets()
    {
        await using var f = new ManagerFixture();

        Assert.Null(await f.Manager.GetStatusAsync(Id)); // defined, not yet registered
        await f.Manager.GetAccessTokenAsync(Id);
        var active = await f.Manager.GetStatusAsync(Id);
        await f.Manager.DisableAsync(Id, "maintenance");
        var disabled = await f.Manager.GetStatusAsync(Id);

        Assert.Equal(ConnectionState.Active, active?.State);
        Assert.Equal((ConnectionState.Disabled, "maintenance"), (disabled?.State, disabled?.Detail));
        Assert.Null(await f.Manager.GetStatusAsync("unknown"));
    }

    [Fact]
    public async Task GetToken_FreshToken_IsServedFromMemory_WithoutCallingTheEndpoint()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);

        f.Clock.Advance(TimeSpan.FromMinutes(30));
        var second = await f.Manager.GetAccessTokenAsync(Id);

        Assert.Same(first, second);
        Assert.Equal(1, f.Provider.Requests);
    }

    [Fact]
    public async Task GetToken_InTheRefreshAheadWindow_ReturnsTheCurrentToken_AndRefreshesInTheBackground()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        f.Clock.SetUtcNow(first.Windows.RefreshAheadAt.AddSeconds(1));
        var during = await f.Manager.GetAccessTokenAsync(Id);

        Assert.Same(first, during);
        f.Provider.Gate.SetResult();
        var after = await WaitForNewTokenAsync(f, first);
        Assert.NotEqual(first.Token, after.Token);
        Assert.Equal(2, f.Provider.Requests);
    }

    [Fact]
    public async Task GetToken_PastUsableUntil_WaitsForTheNewToken()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);

        f.Clock.SetUtcNow(first.Windows.UsableUntil.AddSeconds(1));
        var second = await f.Manager.GetAccessTokenAsync(Id);

        Assert.NotEqual(first.Token, second.Token);
        Assert.True(second.ExpiresAt > f.Clock.GetUtcNow().AddMinutes(50));
    }

    [Fact]
    public async Task GetToken_ManyConcurrentCallersPastUsableUntil_MakeOneTokenRequest()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddMinutes(1));
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 500).Select(_ => Task.Run(() => f.Manager.GetAccessTokenAsync(Id).AsTask())).ToArray();
        await WaitUntilAsync(() => f.Provider.Requests == 2 && f.Manager.Metrics.SingleFlightJoins == 499);
        f.Provider.Gate.SetResult();
        var tokens = await Task.WhenAll(callers);

        Assert.Equal(2, f.Provider.Requests);
        Assert.Single(tokens.Select(t => t.Token).Distinct());
    }

    [Fact]
    public async Task GetToken_ACallerThatCancels_DoesNotCancelTheSharedRefresh()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var impatient = new CancellationTokenSource();

        var cancelled = f.Manager.GetAccessTokenAsync(Id, cancellationToken: impatient.Token).AsTask();
        var patient = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await WaitUntilAsync(() => f.Provider.Requests == 2);
        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        f.Provider.Gate.SetResult();

        Assert.NotEqual(first.Token, (await patient).Token);
        Assert.Equal(2, f.Provider.Requests);
    }

    [Fact]
    public async Task GetToken_MinValidityLongerThanTheTokenHasLeft_TriggersARefresh()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.Advance(TimeSpan.FromMinutes(40));

        var fresh = await f.Manager.GetAccessTokenAsync(Id, minValidity: TimeSpan.FromMinutes(30));

        Assert.NotEqual(first.Token, fresh.Token);
        Assert.True(fresh.ExpiresAt - f.Clock.GetUtcNow() >= TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task Refresh_Rotation_CommitsTheNewRefreshToken_BeforeServingTheAccessToken()
    {
        await using var f = new ManagerFixture();

        var token = await f.Manager.GetAccessTokenAsync(Id);

        var record = await f.RecordAsync();
        Assert.Equal(token.Token, record.Tokens!.AccessToken);
        Assert.Equal(token.Version, record.Version);
        Assert.NotEqual(f.InitialRefreshToken, record.Tokens.RefreshToken!.Value.Value);
        Assert.Equal(f.InitialRefreshToken, f.Provider.PresentedRefreshTokens.Last());
        Assert.Null(record.PendingRefresh);
        Assert.Equal(2, record.RefreshTokenGeneration);
    }

    [Fact]
    public async Task Refresh_ResponseWithoutRefreshToken_KeepsTheStoredOne()
    {
        await using var f = new ManagerFixture();
        f.Provider.Rotate = false;

        await f.Manager.GetAccessTokenAsync(Id);

        var record = await f.RecordAsync();
        Assert.Equal(f.InitialRefreshToken, record.Tokens!.RefreshToken!.Value.Value);
        Assert.Equal(1, record.RefreshTokenGeneration);
    }

    [Fact]
    public async Task Refresh_ResponseKeepingTheRefreshToken_KeepsItsStatedDeadline()
    {
        await using var f = new ManagerFixture();
        f.Provider.Rotate = false;
        f.Provider.Enqueue(_ => InMemoryProvider.Json(HttpStatusCode.OK, """{"access_token":"a-1-xxxxxxxx","expires_in":3600,"refresh_token_expires_in":864000}"""));
        var start = f.Clock.GetUtcNow();
        var first = await f.Manager.GetAccessTokenAsync(Id);

        f.Clock.SetUtcNow(first.ExpiresAt);
        var second = await f.Manager.GetAccessTokenAsync(Id);

        Assert.NotEqual(first.Token, second.Token);
        Assert.Equal(start.AddDays(10), (await f.RecordAsync()).Tokens!.RefreshTokenExpiresAt);
    }

    [Fact]
    public async Task Refresh_WithAnUnusableSigningKey_IsAConfigurationError_NothingIsSent()
    {
        await using var f = new ManagerFixture();
        var definition = ManagerFixture.Definition("keyed", f.Provider.NewRefreshToken());
        f.Manager.Define(definition with { Registration = definition.Registration with { ClientAuthMethod = Tokenkeeper.Connections.ClientAuthMethod.PrivateKeyJwt, SigningKeyPem = new ClientSecret("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----") } });
        var before = f.Provider.Requests;

        var error = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync("keyed").AsTask()));

        Assert.Equal(StateReasons.ConfigurationError, error.Reason);
        Assert.Equal(ConnectionState.Degraded, (await f.RecordAsync("keyed")).Status.State);
        Assert.Equal(before, f.Provider.Requests);
        Assert.Null((await f.RecordAsync("keyed")).PendingRefresh);
    }

    [Fact]
    public async Task Refresh_TransientFailuresThenSuccess_IsRetriedWithinTheCycle()
    {
        // Both failures are the provider saying it did not act (503, and a 500 that names server_error): safe to send again.
        await using var f = new ManagerFixture();
        f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");
        f.Provider.Enqueue(HttpStatusCode.InternalServerError, """{"error":"server_error"}""");

        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.Equal(3, f.Provider.Requests);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
        Assert.Equal(2, f.Manager.Metrics.TokenRetries);
    }

    [Fact]
    public async Task Refresh_ABareGatewayErrorAtAProviderThatMayRotate_IsNotSentAgain_AndSaysRotationLostInFlight()
    {
        // A 502 without an OAuth body may come from a proxy after the provider rotated: sending the token again could be its second use.
        await using var f = new ManagerFixture();
        f.Provider.Enqueue(HttpStatusCode.BadGateway, "<html>bad gateway</html>");

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(StateReasons.RotationLostInFlight, error.Reason);
        Assert.Single(f.Provider.PresentedRefreshTokens);
        Assert.Contains("was not sent again because", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, f.Manager.Metrics.TokenRetries);
    }

    [Fact]
    public async Task Refresh_ABareGatewayErrorAtAProviderKnownNotToRotate_IsSentAgainWithinTheCycle()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.HubSpot);
        f.Provider.Rotate = false;
        f.Provider.Enqueue(HttpStatusCode.BadGateway, "<html>bad gateway</html>");

        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.Equal([f.InitialRefreshToken, f.InitialRefreshToken], f.Provider.PresentedRefreshTokens);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task Refresh_WithMaxAttemptsOne_SendsOneRequestPerCycle_WithoutRetrying()
    {
        // One attempt per cycle is a valid setting (Validate accepts it): the manager must start and simply not retry.
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");

        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(TokenFailureKind.Transient, error.Failure!.Kind);
        Assert.Equal(1, f.Provider.Requests);
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False((await f.Manager.GetAccessTokenAsync(Id)).Token.IsEmpty);
        Assert.Equal(2, f.Provider.Requests);
    }

    [Fact]
    public async Task Refresh_RateLimited_WaitsOutRetryAfter()
    {
        await using var f = new ManagerFixture();
        f.Provider.Enqueue(HttpStatusCode.TooManyRequests, """{"error":"slow_down"}""", retryAfter: TimeSpan.FromSeconds(20));
        var start = f.Clock.GetUtcNow();

        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.True(f.Clock.GetUtcNow() - start >= TimeSpan.FromSeconds(20), "the retry came before Retry-After");
    }

    [Fact]
    public async Task Refresh_FailsWhileTheTokenIsStillValid_CallersKeepTheToken_AndTheConnectionIsDegraded()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        for (var i = 0; i < f.Options.MaxAttempts; i++)
        {
            f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, "");
        }

        f.Clock.SetUtcNow(first.Windows.UsableUntil.AddMilliseconds(100));
        var served = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Same(first, served);
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.Degraded, record.Status.State);
        Assert.Equal(1, record.ConsecutiveFailures);
        Assert.Equal(first.Token, record.Tokens!.AccessToken);
    }

    [Fact]
    public async Task Refresh_FailsWithNoValidTokenLeft_ThrowsTyped_AndKeepsStoredCredentials()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        var before = await f.RecordAsync();
        for (var i = 0; i < f.Options.MaxAttempts; i++)
        {
            f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, "");
        }

        f.Clock.Advance(TimeSpan.FromHours(2));
        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        var after = await f.RecordAsync();
        Assert.Equal(Id, error.ConnectionId);
        Assert.Equal(TokenFailureKind.Transient, error.Failure!.Kind);
        Assert.NotNull(error.RetryNotBefore);
        Assert.Equal(before.Tokens, after.Tokens);
    }

    [Fact]
    public async Task AnUnusableAnswerThatRotated_KeepsTheNewRefreshToken_AndTheNextRefreshSpendsIt_NeverTheDeadOne()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        var before = await f.RecordAsync();
        f.Provider.EnqueueRotatedButGarbled();
        f.Clock.Advance(TimeSpan.FromHours(2));
        var sentBefore = f.Provider.PresentedRefreshTokens.Count;

        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var kept = await f.RecordAsync();
        f.Clock.SetUtcNow(kept.NextAttemptAt!.Value);
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        // The garbled answer was not retried with the refresh token it had just killed: the next refresh spent the kept one.
        var sent = f.Provider.PresentedRefreshTokens.Skip(sentBefore).ToList();
        Assert.Equal([before.Tokens!.RefreshToken!.Value.Value, kept.Tokens!.RefreshToken!.Value.Value], sent);
        Assert.NotEqual(before.Tokens.RefreshToken, kept.Tokens.RefreshToken);
        Assert.Equal(before.RefreshTokenGeneration + 1, kept.RefreshTokenGeneration);
        Assert.Null(kept.PendingRefresh);
        Assert.Equal(before.Tokens.AccessToken, kept.Tokens.AccessToken);
        Assert.Equal(TokenFailureKind.Protocol, error.Failure!.Kind);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
        Assert.Contains(f.Logs.Lines, l => l.Contains("was kept", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALostAnswer_AtAProviderWithARotationGrace_IsRetriedInsideTheGrace_EvenWhenTheBackoffIsLonger()
    {
        // Xero: the old refresh token works for 30 minutes after rotation. The back-off here (20 minutes, then 40) would miss it.
        await using var f = new ManagerFixture(o => { o.FailureBackoffBase = TimeSpan.FromMinutes(20); o.FailureBackoffMax = TimeSpan.FromHours(2); }, profile: ProviderProfiles.Xero);
        await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.Advance(TimeSpan.FromHours(1));
        var firstSent = f.Clock.GetUtcNow();
        f.Provider.EnqueueDropAfter();
        for (var i = 1; i < f.Options.MaxAttempts * 2; i++)
        {
            f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");
        }

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var afterFirst = await f.RecordAsync();
        f.Clock.SetUtcNow(afterFirst.NextAttemptAt!.Value);
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var afterSecond = await f.RecordAsync();

        var grace = ProviderProfiles.Xero.RotationGrace;
        Assert.True(afterFirst.PendingRefresh!.ResponseLost);
        Assert.InRange(afterFirst.NextAttemptAt!.Value, firstSent, firstSent + (grace * RefreshConstants.InDoubtGraceShare));
        // The second cycle still counts the window from the first send, and retries within what is left of it.
        Assert.InRange(afterSecond.PendingRefresh!.StartedAt, firstSent, firstSent + TimeSpan.FromMinutes(1));
        Assert.InRange(afterSecond.NextAttemptAt!.Value, afterFirst.NextAttemptAt!.Value, firstSent + grace);
    }

    [Fact]
    public async Task Refresh_DeadEndpointForADay_CoolsDown_InsteadOfHammering()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.FailWith = HttpStatusCode.ServiceUnavailable;
        var requestsBefore = f.Provider.Requests;

        // A job asks for a token every minute for a day while the token endpoint is down.
        var failures = 0;
        for (var minute = 0; minute < 24 * 60; minute++)
        {
            f.Clock.Advance(TimeSpan.FromMinutes(1));
            try
            {
                await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());
            }
            catch (TokenEndpointUnavailableException)
            {
                failures++;
            }
        }

        var made = f.Provider.Requests - requestsBefore;
        var record = await f.RecordAsync();
        Assert.InRange(made, f.Options.MaxAttempts * 5, 300);
        Assert.True(failures > 1000, $"only {failures} calls failed");
        Assert.True(record.ConsecutiveFailures >= 5);
        Assert.Equal(ConnectionState.Degraded, record.Status.State);
    }

    [Fact]
    public async Task Refresh_InvalidGrant_MovesToReconnectRequired_KeepsTokens_AndNeverAsksAgain()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        var before = await f.RecordAsync();
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var requests = f.Provider.Requests;
        for (var i = 0; i < 20; i++)
        {
            f.Clock.Advance(TimeSpan.FromMinutes(30));
            await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        }

        var after = await f.RecordAsync();
        Assert.Equal(StateReasons.Revoked, error.Reason);
        Assert.Equal(ConnectionState.ReconnectRequired, after.Status.State);
        Assert.Equal(StateReasons.Revoked, after.Status.Reason);
        Assert.Equal(before.Tokens, after.Tokens);
        Assert.Equal(requests, f.Provider.Requests);
        Assert.Contains(after.History, h => h.To == ConnectionState.ReconnectRequired);
        Assert.NotEqual(first.Token.Value, string.Empty);
    }

    [Fact]
    public async Task Refresh_InvalidGrantAfterTheRefreshTokenDeadline_SaysRefreshTokenExpired()
    {
        var profile = ProviderProfiles.GoogleTesting;
        await using var f = new ManagerFixture(profile: profile);
        await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromDays(8));

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(StateReasons.RefreshTokenExpired, error.Reason);
    }

    [Fact]
    public async Task Refresh_ResponseLostAfterRotation_AtAProviderThatMayRotate_IsNeverSentAgain_AndSaysRotationLostInFlight()
    {
        await using var f = new ManagerFixture();
        f.Provider.EnqueueDropAfter();

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(StateReasons.RotationLostInFlight, error.Reason);
        var record = await f.RecordAsync();
        Assert.Equal(StateReasons.RotationLostInFlight, record.Status.Reason);
        Assert.Equal(f.InitialRefreshToken, record.Tokens!.RefreshToken!.Value.Value);
        Assert.Equal([f.InitialRefreshToken], f.Provider.PresentedRefreshTokens); // sent once, never again
        Assert.Null(record.PendingRefresh);
    }

    [Fact]
    public async Task Refresh_IntentLeftByACrashedInstance_IsTreatedAsInDoubt()
    {
        await using var f = new ManagerFixture();
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken));
        var record = await f.RecordAsync();
        // An instance on another machine recorded its intent two days ago and was never heard of again.
        var intent = new RefreshIntent(record.RefreshTokenGeneration, "deadbeef", f.Clock.GetUtcNow().AddDays(-2), "crashed-host:1:4026531836:x");
        await f.Store.CommitAsync(new ConnectionCommit(record with { PendingRefresh = intent }, record.Version));
        f.Provider.RevokeAll();

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(StateReasons.RotationLostInFlight, error.Reason);
        Assert.Equal(0, f.Provider.Requests); // the dead instance may have spent it: nothing is sent
    }

    [Fact]
    public async Task Refresh_InvalidClient_FailsEveryConnectionOfThatClient_WithoutAskingAgain()
    {
        await using var f = new ManagerFixture();
        f.Manager.Define(ManagerFixture.Definition("crm-2", f.Provider.NewRefreshToken()));
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"client secret rotated"}""");

        var first = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var requests = f.Provider.Requests;
        var second = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync("crm-2").AsTask()));

        Assert.Equal(StateReasons.InvalidClient, first.Reason);
        Assert.Equal(StateReasons.InvalidClient, second.Reason);
        Assert.Equal(requests, f.Provider.Requests);
        Assert.Equal((ConnectionState.Degraded, StateReasons.InvalidClient), ((await f.RecordAsync("crm-2")).Status.State, (await f.RecordAsync("crm-2")).Status.Reason));
    }

    [Fact]
    public async Task Refresh_APeerCommittedNewTokensFirst_AreAdopted_WithoutCallingTheEndpoint()
    {
        await using var a = new ManagerFixture();
        await using var b = new ManagerFixture(store: a.Store, clock: a.Clock, provider: a.Provider);
        var fromA = await a.Manager.GetAccessTokenAsync(Id);
        var fromB = await b.Manager.GetAccessTokenAsync(Id);
        Assert.Equal(fromA.Token, fromB.Token);

        a.Clock.SetUtcNow(fromA.ExpiresAt.AddSeconds(1));
        var refreshedByA = await a.Manager.GetAccessTokenAsync(Id);
        var requests = a.Provider.Requests;
        var seenByB = await b.Manager.GetAccessTokenAsync(Id);

        Assert.Equal(refreshedByA.Token, seenByB.Token);
        Assert.Equal(requests, a.Provider.Requests);
        Assert.Equal(1, b.Manager.Metrics.Adoptions);
    }

    [Fact]
    public async Task Refresh_APeerHoldsTheLease_WaitsAndAdoptsItsResult()
    {
        await using var a = new ManagerFixture();
        await using var b = new ManagerFixture(store: a.Store, clock: a.Clock, provider: a.Provider);
        var first = await a.Manager.GetAccessTokenAsync(Id);
        await b.Manager.GetAccessTokenAsync(Id);
        a.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        a.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var refreshingA = a.Manager.GetAccessTokenAsync(Id).AsTask();
        await WaitUntilAsync(() => a.Provider.Requests == 2);
        var waitingB = b.Manager.GetAccessTokenAsync(Id).AsTask();
        await WaitUntilAsync(() => b.Manager.Metrics.LeaseWaits > 0);
        a.Provider.Gate.SetResult();
        var tokenA = await refreshingA;
        var tokenB = await b.DriveAsync(waitingB);

        Assert.Equal(tokenA.Token, tokenB.Token);
        Assert.Equal(2, a.Provider.Requests);
    }

    [Fact]
    public async Task Rejection_OfATokenAlreadyReplaced_ReturnsTheCurrentOne_WithoutRefreshing()
    {
        await using var f = new ManagerFixture();
        var old = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(old.ExpiresAt.AddSeconds(1));
        var current = await f.Manager.GetAccessTokenAsync(Id);
        var requests = f.Provider.Requests;

        var afterRejection = await f.Manager.GetSource(Id).GetTokenAfterRejectionAsync(old);

        Assert.Same(current, afterRejection);
        Assert.Equal(requests, f.Provider.Requests);
    }

    [Fact]
    public async Task Rejection_OfTheCurrentToken_ForcesExactlyOneRefresh()
    {
        await using var f = new ManagerFixture();
        var current = await f.Manager.GetAccessTokenAsync(Id);
        var requests = f.Provider.Requests;
        var source = f.Manager.GetSource(Id);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => source.GetTokenAfterRejectionAsync(current).AsTask())));

        Assert.Equal(requests + 1, f.Provider.Requests);
        Assert.All(results, t => Assert.NotEqual(current.Token, t.Token));
        Assert.Single(results.Select(r => r.Token).Distinct());
    }

    [Fact]
    public async Task Register_StoreAlreadyHoldsALiveRefreshToken_TheConfiguredOneIsIgnored()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        var live = (await f.RecordAsync()).Tokens!.RefreshToken;
        await using var restarted = new ManagerFixture(store: f.Store, clock: f.Clock, provider: f.Provider);

        var outcome = await restarted.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken));

        Assert.True(outcome.BootstrapIgnored);
        Assert.Equal(live, (await f.RecordAsync()).Tokens!.RefreshToken);
    }

    [Fact]
    public async Task Register_TheSameIgnoredBootstrapToken_IsReportedOncePerStore_AndANewOneIsReportedAgain()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        var live = (await f.RecordAsync()).Tokens!.RefreshToken;

        var outcomes = new List<bool>();
        var logged = 0;
        foreach (var bootstrap in new[] { f.InitialRefreshToken, f.InitialRefreshToken, f.InitialRefreshToken, "rt-pasted-later", "rt-pasted-later" })
        {
            // Each registration as a new process would make it (a job run), against the same store.
            await using var run = new ManagerFixture(store: f.Store, clock: f.Clock, provider: f.Provider);
            outcomes.Add((await run.Manager.RegisterAsync(ManagerFixture.Definition(Id, bootstrap))).BootstrapIgnored);
            logged += run.Logs.Lines.Count(line => line.Contains("the configured bootstrap refresh token is ignored", StringComparison.Ordinal));
        }

        Assert.Equal([true, false, false, true, false], outcomes);
        Assert.Equal(live, (await f.RecordAsync()).Tokens!.RefreshToken);
        Assert.Equal(2, logged); // once for each token, not once per run
    }

    [Fact]
    public async Task Register_DeadGrantAndADifferentBootstrapToken_Reauthorizes()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var replacement = f.Provider.NewRefreshToken();

        var outcome = await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, replacement));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.True(outcome.Reauthorized);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task Register_DeadGrantAndTheBootstrapTokenItWasStartedWith_IsNotReappliedAndSaysSo()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var before = await f.RecordAsync();

        var outcome = await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken));

        Assert.True(outcome.BootstrapSpent);
        Assert.False(outcome.Reauthorized);
        var after = await f.RecordAsync();
        Assert.Equal(before.Tokens, after.Tokens);
        Assert.Equal(ConnectionState.ReconnectRequired, after.Status.State);
        Assert.DoesNotContain(f.InitialRefreshToken!, after.BootstrapHash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_AreWrittenWithTheirCommits()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        var events = ((InMemoryTokenStore)f.Store).Events.Select(e => e.Type).ToArray();

        Assert.Equal(
            [ConnectionEventTypes.StateChanged, ConnectionEventTypes.Refreshed, ConnectionEventTypes.StateChanged, ConnectionEventTypes.ReconnectRequired],
            events);
    }

    [Fact]
    public async Task Disabled_ServesNothing_UntilEnabled()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);

        await f.Manager.DisableAsync(Id, "maintenance");
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        await f.Manager.EnableAsync(Id);

        Assert.False((await f.Manager.GetAccessTokenAsync(Id)).Token.IsEmpty);
    }

    [Fact]
    public async Task ClientCredentials_AreRequestedAgain_WhenTheTokenExpires()
    {
        await using var f = new ManagerFixture(grant: OAuthGrantType.ClientCredentials);
        var first = await f.Manager.GetAccessTokenAsync(Id);

        f.Clock.SetUtcNow(first.ExpiresAt);
        var second = await f.Manager.GetAccessTokenAsync(Id);

        Assert.NotEqual(first.Token, second.Token);
        Assert.All(f.Provider.Forms, form => Assert.Equal("client_credentials", form["grant_type"]));
        Assert.Null((await f.RecordAsync()).PendingRefresh);
    }

    [Fact]
    public async Task ClientCredentials_AGarbledAnswerWithARefreshToken_IsRetriedInTheCycle_LikeAnyGarbledAnswer()
    {
        await using var f = new ManagerFixture(grant: OAuthGrantType.ClientCredentials);
        f.Provider.Enqueue(System.Net.HttpStatusCode.OK, """{"access_token":"a","expires_in":"soon","refresh_token":"r"}""");

        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.Equal(2, f.Provider.Requests);
    }

    [Fact]
    public async Task ClientCredentials_AGarbledAnswerWithoutARefreshToken_IsRetriedInTheCycle()
    {
        await using var f = new ManagerFixture(grant: OAuthGrantType.ClientCredentials);
        f.Provider.Enqueue(System.Net.HttpStatusCode.OK, """{"access_token":"a","expires_in":"soon"}""");

        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.Equal(2, f.Provider.Requests);
    }

    [Fact]
    public async Task Logs_NeverContainATokenOrSecret()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt);
        await f.Manager.GetAccessTokenAsync(Id);
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        var record = await f.RecordAsync();
        Assert.NotEmpty(f.Logs.Lines);
        f.Logs.AssertContainsNone([first.Token.Value, record.Tokens!.AccessToken.Value, record.Tokens.RefreshToken!.Value.Value, f.InitialRefreshToken!, "secret-client-1", .. f.Provider.PresentedRefreshTokens]);
    }

    private static async Task<ManagedAccessToken> WaitForNewTokenAsync(ManagerFixture f, ManagedAccessToken old)
    {
        for (var i = 0; i < 2000; i++)
        {
            var current = await f.Manager.GetAccessTokenAsync(Id);
            if (current.Token != old.Token)
            {
                return current;
            }

            await Waits.YieldAsync();
        }

        throw new Xunit.Sdk.XunitException("the background refresh never published a new token");
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Waits.UntilAsync(condition);
}
