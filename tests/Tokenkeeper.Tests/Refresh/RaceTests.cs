using System.Collections.Concurrent;
using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// Interleavings an independent review found (operators acting during a refresh, peers registering at once, a store failing
/// mid-commit, long rate-limit waits): each proves the refresh token is never spent twice, never overwritten by a spent one,
/// and that callers only ever see typed failures.
/// </summary>
public sealed class RaceTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public async Task DisableDuringARefresh_TheRefreshedTokenIsNotServed()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Provider.Requests == 2);

        await f.Manager.DisableAsync(Id, "security incident");
        f.Provider.Gate.SetResult();

        await Assert.ThrowsAsync<ConnectionDisabledException>(() => waiting);
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        Assert.Equal(ConnectionState.Disabled, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task InvalidGrantAfterADisableMidRefresh_IsATypedDisabledFailure_AndLeavesNoIntent()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.RevokeAll();
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Provider.Requests == 2);

        await f.Manager.DisableAsync(Id);
        f.Provider.Gate.SetResult();

        await Assert.ThrowsAsync<ConnectionDisabledException>(() => waiting);
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.Disabled, record.Status.State);
        Assert.Null(record.PendingRefresh);
    }

    [Fact]
    public async Task FixingTheClientAfterInvalidClient_KeepsTheLiveRotatedRefreshToken_AndTheConnectionWorksAgain()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        var live = (await f.RecordAsync()).Tokens!.RefreshToken;
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"client secret rotated"}""");
        await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        // The operator puts the new secret in the configuration (which still carries the original bootstrap token) and restarts.
        await using var restarted = new ManagerFixture(store: f.Store, clock: f.Clock, provider: f.Provider);
        var definition = ManagerFixture.Definition(Id, f.InitialRefreshToken);
        var outcome = await restarted.Manager.RegisterAsync(definition with { Registration = definition.Registration with { ClientSecret = new ClientSecret("secret-fixed") } });
        var token = await restarted.DriveAsync(restarted.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.True(outcome.RegistrationUpdated);
        Assert.False(outcome.Reauthorized);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(live, f.Provider.PresentedRefreshTokens.Last() is { } sent ? new RefreshToken(sent) : null);
        Assert.Equal(1, f.Provider.PresentedRefreshTokens.Count(t => t == f.InitialRefreshToken));
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.Contains(record.History, h => h.Reason == StateReasons.Reconfigured);
    }

    [Fact]
    public async Task TwoInstancesRegisteringAtOnce_NeitherOverwritesThePeersRotatedRefreshToken()
    {
        await using var a = new ManagerFixture();
        var first = await a.Manager.GetAccessTokenAsync(Id);
        a.Provider.RevokeAll();
        a.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => a.DriveAsync(a.Manager.GetAccessTokenAsync(Id).AsTask()));
        var newBootstrap = a.Provider.NewRefreshToken();
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hooked = new HookStore(a.Store) { AfterGetOrCreate = async () => { paused.TrySetResult(); await release.Task; } };
        await using var b = new ManagerFixture(store: hooked, clock: a.Clock, provider: a.Provider);

        // B reads the dead record, then A re-authorises with the same new token and refreshes (rotating it) before B goes on.
        var bRegistering = b.Manager.RegisterAsync(ManagerFixture.Definition(Id, newBootstrap));
        await paused.Task;
        await a.Manager.RegisterAsync(ManagerFixture.Definition(Id, newBootstrap));
        await a.DriveAsync(a.Manager.GetAccessTokenAsync(Id).AsTask());
        var rotated = (await a.RecordAsync()).Tokens!.RefreshToken;
        hooked.AfterGetOrCreate = null;
        release.SetResult();

        var outcome = await bRegistering;
        a.Clock.Advance(TimeSpan.FromHours(2));
        var token = await a.DriveAsync(a.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(outcome.Reauthorized);
        Assert.NotEqual(newBootstrap, rotated!.Value.Value);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(1, a.Provider.PresentedRefreshTokens.Count(t => t == newBootstrap));
        Assert.Equal(ConnectionState.Active, (await a.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task AStoreFailureOnTheSuccessCommit_KeepsTheTokens_AndTheNextCallIsServedWithoutAnotherRefresh()
    {
        // The store retries its own busy moments; what it finally throws is not retried on top, the tokens are kept instead.
        var clock = new ManualTimeProvider();
        var failures = 1;
        var hooked = Failing(new InMemoryTokenStore(clock), commit => IsRefreshCommit(commit) && Interlocked.Decrement(ref failures) >= 0);
        await using var f = new ManagerFixture(store: hooked, clock: clock);

        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        f.Clock.Advance(TimeSpan.FromSeconds(2));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.Equal(token.Token, (await f.RecordAsync()).Tokens!.AccessToken);
        Assert.Single(f.Provider.PresentedRefreshTokens);
    }

    [Fact]
    public async Task AStoreThatStaysDown_KeepsTheIssuedTokens_AndCommitsThemBeforeAnyNewRefresh()
    {
        var clock = new ManualTimeProvider();
        var down = true;
        var hooked = Failing(new InMemoryTokenStore(clock), commit => down && IsRefreshCommit(commit));
        await using var f = new ManagerFixture(store: hooked, clock: clock);

        var failure = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        down = false;
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.IsType<IOException>(failure.InnerException);
        Assert.Single(f.Provider.PresentedRefreshTokens);
        var record = await f.RecordAsync();
        Assert.Equal(token.Token, record.Tokens!.AccessToken);
        Assert.NotEqual(f.InitialRefreshToken, record.Tokens.RefreshToken!.Value.Value);
        Assert.Equal(ConnectionState.Active, record.Status.State);
    }

    [Fact]
    public async Task KeptTokens_AreStoredInTheBackground_WithNoCallerAsking_SoAPeerLaterSpendsTheLiveRefreshToken()
    {
        var clock = new ManualTimeProvider();
        var down = true;
        var hooked = Failing(new InMemoryTokenStore(clock), commit => down && IsRefreshCommit(commit));
        await using var f = new ManagerFixture(store: hooked, clock: clock);
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var whileDown = await f.RecordAsync();

        // The store recovers; nobody asks this instance for a token again.
        down = false;
        var recovered = clock.GetUtcNow();
        await f.DriveAsync(UntilAsync(async () => (await f.RecordAsync()).Tokens!.RefreshToken!.Value.Value != f.InitialRefreshToken));
        var stored = await f.RecordAsync();

        // Much later a peer instance needs a token: it spends the live refresh token, never the spent one.
        clock.Advance(TimeSpan.FromDays(2));
        await using var peer = new ManagerFixture(store: hooked, clock: clock, provider: f.Provider);
        var token = await peer.DriveAsync(peer.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(f.InitialRefreshToken, whileDown.Tokens!.RefreshToken!.Value.Value);
        Assert.NotNull(whileDown.PendingRefresh);
        Assert.True(clock.GetUtcNow() - TimeSpan.FromDays(2) - recovered <= RefreshConstants.KeptTokensRetryMax, "stored within one background retry interval");
        Assert.Null(stored.PendingRefresh);
        Assert.Equal(ConnectionState.Active, stored.Status.State);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(2, f.Provider.PresentedRefreshTokens.Count);
        Assert.Equal(f.Provider.PresentedRefreshTokens.Count, f.Provider.PresentedRefreshTokens.Distinct().Count());
        Assert.Equal(stored.Tokens!.RefreshToken!.Value.Value, f.Provider.PresentedRefreshTokens.Last());
    }

    [Fact]
    public async Task ASalvagedTokenKeptWhileTheConnectionIsDisabled_IsStored_ButNothingIsRefreshedUntilItIsEnabled()
    {
        var clock = new ManualTimeProvider();
        var down = false;
        var spent = "";
        var hooked = Failing(new InMemoryTokenStore(clock), commit => down && IsSalvageCommit(commit, spent));
        await using var f = new ManagerFixture(store: hooked, clock: clock);
        await f.Manager.GetAccessTokenAsync(Id);
        spent = (await f.RecordAsync()).Tokens!.RefreshToken!.Value.Value;
        f.Provider.EnqueueRotatedButGarbled();
        f.Clock.Advance(TimeSpan.FromHours(2));
        down = true;
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        await f.Manager.DisableAsync(Id, "maintenance");
        var requests = f.Provider.Requests;

        down = false;
        await f.DriveAsync(UntilAsync(async () => (await f.RecordAsync()).Tokens!.RefreshToken!.Value.Value != spent));
        var stored = await f.RecordAsync();
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var requestsWhileDisabled = f.Provider.Requests - requests;
        await f.Manager.EnableAsync(Id);
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(ConnectionState.Disabled, stored.Status.State);
        Assert.Equal(0, requestsWhileDisabled);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(stored.Tokens!.RefreshToken!.Value.Value, f.Provider.PresentedRefreshTokens.Last());
        Assert.Equal(1, f.Provider.PresentedRefreshTokens.Count(t => t == spent));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KeptTokensStoredWhileTheConnectionIsDisabled_AreStoredOnce_AndTheIdleClockIsNotMovedAgain(bool rotate)
    {
        var clock = new ManualTimeProvider();
        var down = true;
        var inner = new InMemoryTokenStore(clock);
        var hooked = Failing(inner, commit => down && IsRefreshCommit(commit));
        await using var f = new ManagerFixture(store: hooked, clock: clock);
        f.Provider.Rotate = rotate;
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        await f.Manager.DisableAsync(Id, "maintenance");
        down = false;

        // Let the background attempts run for a few minutes of fake time.
        var until = clock.GetUtcNow().AddMinutes(3);
        await f.DriveAsync(Task.Delay(TimeSpan.FromMinutes(3), clock));
        var refreshedEvents = (await inner.ReadAsync()).Count(e => e.Event.Type == ConnectionEventTypes.Refreshed);
        var record = await f.RecordAsync();

        Assert.Equal(1, refreshedEvents);
        Assert.Equal(ConnectionState.Disabled, record.Status.State);
        Assert.True(record.LastRefreshAt < until.AddMinutes(-2), $"the idle clock moved to {record.LastRefreshAt:O} without a refresh");
        Assert.Single(f.Provider.PresentedRefreshTokens);
    }

    [Fact]
    public async Task KeptTokensMadeObsoleteByAReauthorisationElsewhere_AreDropped_AndTheNewGrantsTokenIsServedWithoutARefresh()
    {
        var clock = new ManualTimeProvider();
        var down = true;
        var hooked = Failing(new InMemoryTokenStore(clock), commit => down && IsRefreshCommit(commit));
        await using var f = new ManagerFixture(store: hooked, clock: clock);
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        // Another instance re-authorises the connection (a new consent) while this one still keeps its tokens.
        await using var peer = new ManagerFixture(store: new HookStore(((HookStore)f.Store).Inner), clock: clock, provider: f.Provider);
        var now = clock.GetUtcNow();
        await peer.Manager.AuthorizeAsync(Id, new TokenSet { AccessToken = new AccessToken("at-after-reconsent"), RefreshToken = new RefreshToken(f.Provider.NewRefreshToken()), IssuedAt = now, ExpiresAt = now.AddHours(1) });
        down = false;
        var requests = f.Provider.Requests;
        clock.Advance(TimeSpan.FromSeconds(2)); // past the one-second fail-fast after the failed refresh

        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal("at-after-reconsent", token.Token.Value);
        Assert.Equal(requests, f.Provider.Requests);
    }

    /// <summary>A commit of a successful refresh: it carries the <c>refreshed</c> event.</summary>
    private static bool IsRefreshCommit(ConnectionCommit commit) => commit.Events?.Any(e => e.Type == ConnectionEventTypes.Refreshed) == true;

    /// <summary>A commit of a salvaged refresh token: no events, the intent cleared, a refresh token other than <paramref name="spent"/>.</summary>
    private static bool IsSalvageCommit(ConnectionCommit commit, string spent) =>
        commit.Events is not { Count: > 0 } && commit.Record.PendingRefresh is null && commit.Record.Tokens?.RefreshToken is { } rt && rt.Value != spent;

    /// <summary>A store that fails, as a full disk would, every commit <paramref name="fails"/> picks.</summary>
    private static HookStore Failing(ITokenStore inner, Func<ConnectionCommit, bool> fails) =>
        new(inner) { BeforeCommit = commit => fails(commit) ? throw new IOException("disk full") : null };

    /// <summary>Completes when <paramref name="condition"/> holds; yields between checks (the fake clock is driven by the caller).</summary>
    private static async Task<bool> UntilAsync(Func<Task<bool>> condition)
    {
        while (!await condition())
        {
            await Task.Yield();
        }

        return true;
    }

    [Fact]
    public async Task ARefreshWhoseCommitKeepsConflicting_KeepsTheRotatedTokens_AndCommitsThemBeforeAnyNewRefresh()
    {
        var clock = new ManualTimeProvider();
        var conflicting = true;
        var hooked = new HookStore(new InMemoryTokenStore(clock))
        {
            // Every attempt to commit the refresh conflicts (as if peers kept writing), so the commit gives up without a throw.
            BeforeCommit = commit => conflicting && IsRefreshCommit(commit)
                ? new CommitResult(CommitConflict.VersionMismatch, commit.ExpectedVersion)
                : null,
        };
        await using var f = new ManagerFixture(store: hooked, clock: clock);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var stored = await f.RecordAsync();
        conflicting = false;
        f.Clock.Advance(TimeSpan.FromSeconds(5));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.IsType<TokenStoreUnavailableException>(failure);
        Assert.Equal(f.InitialRefreshToken, stored.Tokens!.RefreshToken!.Value.Value);
        Assert.Single(f.Provider.PresentedRefreshTokens); // the kept tokens are committed; the spent bootstrap token is not sent again
        var record = await f.RecordAsync();
        Assert.Equal(token.Token, record.Tokens!.AccessToken);
        Assert.NotEqual(f.InitialRefreshToken, record.Tokens.RefreshToken!.Value.Value);
    }

    [Fact]
    public async Task AStoreThatStaysDown_WhileSalvagingARotatedRefreshToken_KeepsItInMemory_AndNeverResendsTheDeadOne()
    {
        var clock = new ManualTimeProvider();
        var down = false;
        var spent = "";
        var inner = new InMemoryTokenStore(clock);
        var hooked = Failing(inner, commit => down && IsSalvageCommit(commit, spent)); // every other write goes through
        await using var f = new ManagerFixture(store: hooked, clock: clock);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        spent = (await f.RecordAsync()).Tokens!.RefreshToken!.Value.Value;
        f.Provider.EnqueueRotatedButGarbled();
        f.Clock.Advance(TimeSpan.FromHours(2));
        var sentBefore = f.Provider.PresentedRefreshTokens.Count;

        down = true;
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        down = false;
        f.Clock.Advance(TimeSpan.FromMinutes(10));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.IsType<TokenStoreUnavailableException>(failure);
        Assert.False(token.Token.IsEmpty);
        var sent = f.Provider.PresentedRefreshTokens.Skip(sentBefore).ToList();
        Assert.Equal(1, sent.Count(t => t == spent)); // the dead token is never sent again
        Assert.Equal(2, sent.Count); // the garbled answer, then one refresh with the salvaged token
        var record = await f.RecordAsync();
        Assert.Equal((ConnectionState.Active, token.Token), (record.Status.State, record.Tokens!.AccessToken));

        // The salvage, committed late, is not passed off as a refresh: the only "refreshed" events are the two real ones, and
        // none carries the access token the connection had before the garbled answer.
        var refreshed = (await inner.ReadAsync()).Select(e => e.Event).Where(e => e.Type == ConnectionEventTypes.Refreshed).ToList();
        Assert.Equal([first.Token.Fingerprint, token.Token.Fingerprint], refreshed.Select(e => e.Data!["access_token"]));
    }

    [Theory]
    [InlineData("conflicts")]
    [InlineData("store_failures_then_conflict")]
    public async Task ADeferredSalvageCommitThatGivesUp_KeepsTheSalvagedToken_EvenAcrossDisableAndEnable_AndNeverSendsTheDeadOne(string how)
    {
        var clock = new ManualTimeProvider();
        var blocking = false;
        var salvageCommits = 0;
        var spent = "";
        var inner = new InMemoryTokenStore(clock);
        var hooked = new HookStore(inner)
        {
            // The salvage commit (no events, intent cleared, a refresh token other than the spent one) gives up without throwing:
            // every attempt conflicts, or the store fails until the last attempt, which conflicts.
            BeforeCommit = commit =>
            {
                if (!blocking || !IsSalvageCommit(commit, spent))
                {
                    return null;
                }

                salvageCommits++;
                return how == "conflicts" || salvageCommits % RefreshConstants.MaxCommitAttempts == 0
                    ? new CommitResult(CommitConflict.VersionMismatch, commit.ExpectedVersion)
                    : throw new IOException("disk full");
            },
        };
        await using var f = new ManagerFixture(store: hooked, clock: clock);
        await f.Manager.GetAccessTokenAsync(Id);
        spent = (await f.RecordAsync()).Tokens!.RefreshToken!.Value.Value;
        f.Provider.EnqueueRotatedButGarbled();
        f.Clock.Advance(TimeSpan.FromHours(2));
        var sentBefore = f.Provider.PresentedRefreshTokens.Count;

        // The garbled answer's salvage cannot be stored; then neither can the deferred commit, twice, with the connection
        // disabled and enabled in between (which must not make this instance forget the only live refresh token).
        blocking = true;
        var first = await Assert.ThrowsAnyAsync<Exception>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var second = await Assert.ThrowsAnyAsync<Exception>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        await f.Manager.DisableAsync(Id, "looking into it");
        await f.Manager.EnableAsync(Id);
        var third = await Assert.ThrowsAnyAsync<Exception>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var sentWhileBlocked = f.Provider.PresentedRefreshTokens.Skip(sentBefore).ToList();
        blocking = false;
        f.Clock.Advance(TimeSpan.FromMinutes(10));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.All([first, second, third], e => Assert.IsType<TokenStoreUnavailableException>(e));
        Assert.Equal([spent], sentWhileBlocked); // only the garbled exchange itself: nothing is refreshed while the token is unstored
        var sent = f.Provider.PresentedRefreshTokens.Skip(sentBefore).ToList();
        Assert.Equal(2, sent.Count);
        Assert.NotEqual(spent, sent[1]);
        var record = await f.RecordAsync();
        Assert.Equal((ConnectionState.Active, token.Token), (record.Status.State, record.Tokens!.AccessToken));
    }

    [Fact]
    public async Task EveryRefreshTokenIsSentUnderALiveLease_EvenAfterALongRateLimitWait()
    {
        // 40 connections of one client at 1 token request a second, leases of 30 s: the last requests wait 40 s for a permit.
        await using var f = new ManagerFixture(o => { o.TokenEndpointRequestsPerSecond = 1; o.TokenEndpointBurst = 1; o.LeaseDuration = TimeSpan.FromSeconds(30); }, requestTimeout: TimeSpan.FromSeconds(5));
        var ids = Enumerable.Range(0, 40).Select(i => $"c{i}").ToArray();
        var byToken = new ConcurrentDictionary<string, string>();
        foreach (var id in ids)
        {
            var refresh = f.Provider.NewRefreshToken();
            byToken[refresh] = id;
            await f.Manager.RegisterAsync(ManagerFixture.Definition(id, refresh));
        }

        var sentWithoutLease = new ConcurrentBag<string>();
        f.Provider.BeforeRefresh = async presented =>
        {
            if (byToken.TryGetValue(presented, out var id) && await f.Store.GetLeaseAsync(id) is null)
            {
                sentWithoutLease.Add(id);
            }
        };

        var all = Task.WhenAll(ids.Select(id => Task.Run(async () => await f.Manager.GetAccessTokenAsync(id))));
        await f.DriveAsync(all);

        Assert.Empty(sentWithoutLease);
        Assert.Equal(ids.Length, f.Provider.PresentedRefreshTokens.Count(byToken.ContainsKey));
    }

    [Fact]
    public async Task AYoungIntentOfAnotherLiveInstance_IsWaitedOut_NotSentAgain()
    {
        // Inside a grace window (Xero) the token may then be sent again; the point is that it is not sent while the intent is young.
        await using var f = new ManagerFixture(requestTimeout: TimeSpan.FromSeconds(10), profile: ProviderProfiles.Xero);
        // The provider does not rotate here: under load the clock driver can jump past the 10 s request timeout while the answer
        // is on its way, and a rotated token resent after that would be refused; what this test watches is only when it is sent.
        f.Provider.Rotate = false;
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken, ProviderProfiles.Xero));
        var record = await f.RecordAsync();
        var intent = new RefreshIntent(record.RefreshTokenGeneration, "deadbeef", f.Clock.GetUtcNow(), "another-machine:7:4026531836:x");
        await f.Store.CommitAsync(new ConnectionCommit(record with { PendingRefresh = intent }, record.Version));

        var waiting = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Manager.Metrics.LeaseWaits > 0);
        var before = f.Provider.Requests;
        f.Clock.Advance(TimeSpan.FromSeconds(14));
        var stillWaiting = !waiting.IsCompleted && f.Provider.Requests == before;
        f.Clock.Advance(TimeSpan.FromSeconds(2));
        var token = await f.DriveAsync(waiting);

        Assert.True(stillWaiting, "a refresh was sent while another instance's intent was younger than a request window");
        Assert.False(token.Token.IsEmpty);
    }

    [Fact]
    public async Task ACallerNeedingLongerThanTheAdoptedToken_GetsOneThatLastsAsLongAsItAsked()
    {
        await using var a = new ManagerFixture();
        await using var b = new ManagerFixture(store: a.Store, clock: a.Clock, provider: a.Provider);
        await a.Manager.GetAccessTokenAsync(Id);
        await b.Manager.GetAccessTokenAsync(Id);
        a.Clock.Advance(TimeSpan.FromMinutes(10));
        await a.Manager.RefreshAsync(Id);
        a.Clock.Advance(TimeSpan.FromMinutes(10));

        var token = await b.DriveAsync(b.Manager.GetAccessTokenAsync(Id, minValidity: TimeSpan.FromMinutes(55)).AsTask());

        Assert.True(token.ExpiresAt - a.Clock.GetUtcNow() >= TimeSpan.FromMinutes(55));
    }

    [Fact]
    public async Task AMinValidityLongerThanTheProvidersTokens_FailsTyped_WithoutSpendingRefreshTokens()
    {
        await using var f = new ManagerFixture();
        await f.Manager.GetAccessTokenAsync(Id);
        var before = f.Provider.Requests;

        for (var i = 0; i < 5; i++)
        {
            var error = await Assert.ThrowsAsync<MinValidityUnattainableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id, minValidity: TimeSpan.FromHours(2)).AsTask()));
            Assert.Equal(TimeSpan.FromHours(1), error.Lifetime);
        }

        Assert.Equal(before, f.Provider.Requests);
    }

    [Fact]
    public async Task AProviderDescriptionEchoingTheRefreshToken_NeverReachesLogsExceptionsOrTheStore()
    {
        await using var f = new ManagerFixture();
        f.Provider.Enqueue(form => InMemoryProvider.Json(HttpStatusCode.BadRequest, $$"""{"error":"invalid_grant","error_description":"refresh token {{form["refresh_token"]}} is not valid for secret-client-1"}"""));

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        var record = await f.RecordAsync();
        Assert.DoesNotContain(f.InitialRefreshToken!, error.Message, StringComparison.Ordinal);
        Assert.Contains("[redacted]", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(f.InitialRefreshToken!, record.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-client-1", record.LastError, StringComparison.Ordinal);
        f.Logs.AssertContainsNone([f.InitialRefreshToken!, "secret-client-1"]);
    }

    [Fact]
    public async Task ReauthorisingDuringARefresh_TheOldGrantsTokenIsNeverServedAfterwards()
    {
        await using var f = new ManagerFixture();
        var first = await f.Manager.GetAccessTokenAsync(Id);
        f.Clock.SetUtcNow(first.ExpiresAt.AddSeconds(1));
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = f.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => f.Provider.Requests == 2);
        var replacement = f.Provider.NewRefreshToken();

        await f.Manager.AuthorizeAsync(Id, TokenSets.FromRefreshToken(new RefreshToken(replacement), f.Clock.GetUtcNow()));
        f.Provider.Gate.SetResult();
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => waiting);
        var next = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(replacement, f.Provider.PresentedRefreshTokens.Last());
        Assert.Equal(next.Token, (await f.RecordAsync()).Tokens!.AccessToken);
    }

    /// <summary>A store with hooks at the points the races need.</summary>

    /// <summary>
    /// Found by an independent review: a store busy for 50 s while the refresh intent is written must not send the request with a
    /// stale intent and less than a request window of lease. The intent and the lease are then done again before sending, so a peer
    /// that comes along while the request is still at the provider waits for the lease instead of taking the intent for a lost
    /// answer (and, with introspection saying "active" because the provider has not processed it yet, sending the token again).
    /// </summary>
    [Fact]
    public async Task ABusyStoreWhileRecordingTheIntent_DoesNotLetTheLeaseLapseWhileTheRequestIsAtTheProvider()
    {
        var clock = new ManualTimeProvider();
        var intents = 0;
        var store = new HookStore(new InMemoryTokenStore(clock))
        {
            BeforeCommit = commit =>
            {
                if (commit.Record.PendingRefresh is not null && commit.Events is null && Interlocked.Increment(ref intents) == 1)
                {
                    clock.Advance(TimeSpan.FromSeconds(50)); // the store was busy for 50 s (inside its 60 s retry window)
                }

                return null;
            },
        };
        var timeout = TimeSpan.FromSeconds(30);
        await using var a = new ManagerFixture(store: store, clock: clock, profile: ProviderProfiles.ZendeskSell, introspectionEndpoint: InMemoryProvider.IntrospectionEndpoint, requestTimeout: timeout);
        await using var b = new ManagerFixture(store: store, clock: clock, provider: a.Provider, profile: ProviderProfiles.ZendeskSell, introspectionEndpoint: InMemoryProvider.IntrospectionEndpoint, requestTimeout: timeout);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var presentations = 0;
        var sentAt = DateTimeOffset.MinValue;
        StoreLease? leaseAtSend = null;
        a.Provider.BeforeRefresh = async _ =>
        {
            if (Interlocked.Increment(ref presentations) == 1)
            {
                sentAt = clock.GetUtcNow();
                leaseAtSend = await store.GetLeaseAsync(Id);
                await hold.Task; // a slow provider: it has not processed this request yet
            }
        };
        var t0 = clock.GetUtcNow();
        var first = a.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => Volatile.Read(ref presentations) == 1, "the request to reach the provider");

        // Still inside the request's 30 s timeout, past where the lease taken at t0 (70 s) would have lapsed: a peer comes along.
        clock.SetUtcNow(t0 + TimeSpan.FromSeconds(71));
        var peer = b.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => b.Manager.Metrics.LeaseWaits > 0 || peer.IsCompleted || Volatile.Read(ref presentations) > 1, "the peer to wait for the lease");
        var presentedWhileFirstInFlight = Volatile.Read(ref presentations);
        hold.SetResult();
        var token = await first;
        var adopted = await b.DriveAsync(peer);

        Assert.True(presentedWhileFirstInFlight == 1, "the peer presented the same refresh token while the first request with it was still at the provider");
        Assert.True(leaseAtSend!.ExpiresAt - sentAt >= timeout + RefreshConstants.LeaseSafetyMargin, $"the request went out at t0+{(sentAt - t0).TotalSeconds} s with the lease ending at t0+{(leaseAtSend.ExpiresAt - t0).TotalSeconds} s");
        Assert.Equal(token.Token, adopted.Token);
        Assert.Equal(1, a.Provider.Requests);
    }
}
