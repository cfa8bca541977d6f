using System.Net;
using System.Security.Cryptography;
using Tokenkeeper.Connections;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Lifecycle;

/// <summary>
/// Every state change of DESIGN.md contract 9 driven by the event that causes it, through the public API (authorising,
/// registering, disabling, enabling, asking for tokens) against the in-memory token endpoint on a fake clock, with the result
/// read back from a real SQLite store: the persisted state, reason and time, the history entry and the <c>state_changed</c>
/// event. One attempt per refresh cycle and no contention, so nothing waits on the clock: it moves only when a test moves it,
/// and every change happens at a known instant.
/// </summary>
public sealed class StateTransitionTests : IDisposable
{
    private const string Id = ManagerFixture.ConnectionId;
    private const string Fresh = "fresh";
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 8, 0, 0, TimeSpan.Zero);

    private readonly string _directory = Directory.CreateTempSubdirectory("tk-transitions-").FullName;
    private readonly AesGcmSecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly ManualTimeProvider _clock = new(Start);
    private readonly List<SqliteTokenStore> _stores = [];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _protector.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    [InlineData("code_exchange")]
    [InlineData("bootstrap_refresh_token")]
    public async Task PendingAuthorization_BecomesActive_WhenAuthorised_AndThenServesTokens(string how)
    {
        await using var f = Fixture();
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Fresh, refreshToken: null));
        var pending = await f.RecordAsync(Fresh);
        var refused = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Fresh).AsTask());
        f.Clock.Advance(TimeSpan.FromHours(3));
        var at = f.Clock.GetUtcNow();
        var grant = f.Provider.NewRefreshToken();

        if (how == "code_exchange")
        {
            await f.Manager.AuthorizeAsync(Fresh, new TokenSet { AccessToken = new AccessToken("at-from-the-code-exchange"), RefreshToken = new RefreshToken(grant), IssuedAt = at, ExpiresAt = at.AddHours(1) });
        }
        else
        {
            var outcome = await f.Manager.RegisterAsync(ManagerFixture.Definition(Fresh, grant));
            Assert.True(outcome.Reauthorized);
        }

        var token = await f.Manager.GetAccessTokenAsync(Fresh).AsTask();

        Assert.Equal((ConnectionState.PendingAuthorization, StateReasons.NotAuthorized, Start), (pending.Status.State, pending.Status.Reason, pending.Status.Since));
        Assert.Equal(StateReasons.NotAuthorized, refused.Reason);
        var record = await f.RecordAsync(Fresh);
        await AssertChangedAsync(f, record, ConnectionState.PendingAuthorization, ConnectionState.Active, StateReasons.Authorized, at);
        Assert.Single(record.History);
        Assert.Equal(at, record.AuthorizedAt);
        Assert.False(token.Token.IsEmpty);
        if (how == "code_exchange")
        {
            Assert.Equal("at-from-the-code-exchange", token.Token.Value);
        }
        else
        {
            Assert.Equal([grant], f.Provider.PresentedRefreshTokens);
        }
    }

    [Fact]
    public async Task PendingAuthorization_Disabled_ServesNothing_AndEnabledWithoutTokens_IsPendingAgain()
    {
        await using var f = Fixture();
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Fresh, refreshToken: null));
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        var disabledAt = f.Clock.GetUtcNow();

        await f.Manager.DisableAsync(Fresh, "onboarding paused");
        var disabled = await f.RecordAsync(Fresh);
        var whileDisabled = await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Fresh).AsTask());
        await AssertChangedAsync(f, disabled, ConnectionState.PendingAuthorization, ConnectionState.Disabled, StateReasons.DisabledByOperator, disabledAt);
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        var enabledAt = f.Clock.GetUtcNow();

        await f.Manager.EnableAsync(Fresh);
        var enabled = await f.RecordAsync(Fresh);
        var afterEnable = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Fresh).AsTask());

        Assert.Equal("onboarding paused", disabled.Status.Detail);
        Assert.Equal("onboarding paused", disabled.History[^1].Detail);
        Assert.Equal(Fresh, whileDisabled.ConnectionId);
        await AssertChangedAsync(f, enabled, ConnectionState.Disabled, ConnectionState.PendingAuthorization, StateReasons.NotAuthorized, enabledAt);
        Assert.Equal(2, enabled.History.Count);
        Assert.Equal(StateReasons.NotAuthorized, afterEnable.Reason);
        Assert.Equal(0, f.Provider.Requests);
    }

    [Fact]
    public async Task Disabled_ReauthorisedWhileDisabled_StaysDisabled_ThenEnabled_IsActiveWithTheNewGrant()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        await f.Manager.DisableAsync(Id, "client secret rotation");
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        var now = f.Clock.GetUtcNow();

        await f.Manager.AuthorizeAsync(Id, new TokenSet { AccessToken = new AccessToken("at-after-reconsent"), RefreshToken = new RefreshToken(f.Provider.NewRefreshToken()), IssuedAt = now, ExpiresAt = now.AddHours(1) });
        var stillDisabled = await f.RecordAsync();
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        var enabledAt = f.Clock.GetUtcNow();
        await f.Manager.EnableAsync(Id);
        var token = await f.Manager.GetAccessTokenAsync(Id);

        Assert.Equal(ConnectionState.Disabled, stillDisabled.Status.State);
        Assert.Equal(ConnectionState.Disabled, stillDisabled.History[^1].To);
        var record = await f.RecordAsync();
        await AssertChangedAsync(f, record, ConnectionState.Disabled, ConnectionState.Active, StateReasons.Authorized, enabledAt);
        Assert.Equal("at-after-reconsent", token.Token.Value);
        Assert.Equal(1, f.Provider.Requests);
    }

    [Fact]
    public async Task Degraded_ThenTheGrantIsRevoked_IsReconnectRequired_Revoked_KeepingTheTokens()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        var degradedAt = await DegradeAsync(f);
        var degraded = await f.RecordAsync();
        f.Provider.FailWith = null;
        f.Provider.RevokeAll();
        f.Clock.SetUtcNow(degraded.NextAttemptAt!.Value);
        var revokedAt = f.Clock.GetUtcNow();

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        await AssertChangedAsync(f, degraded, ConnectionState.Active, ConnectionState.Degraded, StateReasons.RefreshFailing, degradedAt, last: false);
        var record = await f.RecordAsync();
        await AssertChangedAsync(f, record, ConnectionState.Degraded, ConnectionState.ReconnectRequired, StateReasons.Revoked, revokedAt);
        Assert.Equal([ConnectionState.Degraded, ConnectionState.ReconnectRequired], record.History.Select(h => h.To));
        Assert.Equal("refresh token is invalid", record.History[^1].Detail);
        Assert.Equal(StateReasons.Revoked, error.Reason);
        Assert.Equal(degraded.Tokens, record.Tokens);
        var alert = (await EventsAsync(f)).Last(e => e.Type == ConnectionEventTypes.ReconnectRequired);
        Assert.Equal((StateReasons.Revoked, revokedAt), (alert.Reason, alert.OccurredAt));
    }

    [Fact]
    public async Task Degraded_WhenTheAbsoluteDeadlinePasses_IsReconnectRequired_RefreshTokenExpired()
    {
        await using var f = Fixture(ProviderProfiles.GoogleTesting);
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        f.Clock.SetUtcNow(Start.AddDays(6));
        await DegradeAsync(f);
        f.Provider.FailWith = null;
        f.Provider.RevokeAll(); // the provider expires the grant at its 7-day deadline
        f.Clock.SetUtcNow(Start.AddDays(7).AddHours(1));
        var at = f.Clock.GetUtcNow();

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(StateReasons.RefreshTokenExpired, error.Reason);
        await AssertChangedAsync(f, await f.RecordAsync(), ConnectionState.Degraded, ConnectionState.ReconnectRequired, StateReasons.RefreshTokenExpired, at);
    }

    [Fact]
    public async Task Degraded_Disabled_StopsRefreshing_ThenEnabled_IsActiveAndRefreshesAgain()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await DegradeAsync(f);
        f.Clock.Advance(TimeSpan.FromMinutes(1));
        var disabledAt = f.Clock.GetUtcNow();

        await f.Manager.DisableAsync(Id, "provider outage: paused");
        var disabled = await f.RecordAsync();
        var requests = f.Provider.Requests;
        f.Clock.Advance(TimeSpan.FromHours(1));
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.RefreshAsync(Id));
        var requestsWhileDisabled = f.Provider.Requests - requests;
        f.Provider.FailWith = null;
        var enabledAt = f.Clock.GetUtcNow();
        await f.Manager.EnableAsync(Id);
        var enabled = await f.RecordAsync();
        var token = await f.Manager.GetAccessTokenAsync(Id).AsTask();

        await AssertChangedAsync(f, disabled, ConnectionState.Degraded, ConnectionState.Disabled, StateReasons.DisabledByOperator, disabledAt, last: false);
        Assert.Equal(0, requestsWhileDisabled);
        await AssertChangedAsync(f, enabled, ConnectionState.Disabled, ConnectionState.Active, StateReasons.Authorized, enabledAt, last: false);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task ReconnectRequired_Disabled_IsRecordedWithItsReason_AndServesNothing()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await RevokeAsync(f);
        f.Clock.Advance(TimeSpan.FromDays(1));
        var at = f.Clock.GetUtcNow();

        await f.Manager.DisableAsync(Id, "customer churned");

        var record = await f.RecordAsync();
        await AssertChangedAsync(f, record, ConnectionState.ReconnectRequired, ConnectionState.Disabled, StateReasons.DisabledByOperator, at);
        Assert.Equal("customer churned", record.Status.Detail);
        Assert.Equal([ConnectionState.ReconnectRequired, ConnectionState.Disabled], record.History.Select(h => h.To));
        await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
    }

    [Fact]
    public async Task ReconnectRequired_DisabledThenEnabled_WithoutANewGrant_NeedsReconnectingAgain_WithItsReason_AndCallsNoProvider()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await RevokeAsync(f);
        var dead = await f.RecordAsync();
        var requests = f.Provider.Requests;
        f.Clock.Advance(TimeSpan.FromHours(1));
        await f.Manager.DisableAsync(Id, "investigating");
        f.Clock.Advance(TimeSpan.FromHours(1));
        var enabledAt = f.Clock.GetUtcNow();

        await f.Manager.EnableAsync(Id);
        var enabled = await f.RecordAsync();
        var refused = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());

        // Enabling does not revive the revoked grant: the connection is back where it was, for the same reason, and says so.
        Assert.Equal((ConnectionState.ReconnectRequired, StateReasons.Revoked), (dead.Status.State, dead.Status.Reason));
        await AssertChangedAsync(f, enabled, ConnectionState.Disabled, ConnectionState.ReconnectRequired, StateReasons.Revoked, enabledAt);
        Assert.Null(enabled.StatusBeforeDisabled);
        Assert.Equal(StateReasons.Revoked, refused.Reason);
        Assert.Equal(requests, f.Provider.Requests);
        var alert = (await EventsAsync(f)).Last(e => e.Type == ConnectionEventTypes.ReconnectRequired);
        Assert.Equal((enabledAt, StateReasons.Revoked), (alert.OccurredAt, alert.Reason)); // alerted again, as loudly as the first time

        // ... and a new grant still brings it back, as for any connection that needs reconnecting.
        var grant = f.Provider.NewRefreshToken();
        Assert.True((await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, grant))).Reauthorized);
        var token = await f.Manager.GetAccessTokenAsync(Id);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }

    [Fact]
    public async Task DisabledWhileARefreshIsInFlight_ThatTheProviderRefuses_StaysDisabled_AndNeedsReconnectingOnceEnabled()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        f.Clock.Advance(TimeSpan.FromHours(2));
        f.Provider.BeforeRefresh = async _ =>
        {
            // The operator disables the connection while its refresh is at the provider, which refuses the grant.
            f.Provider.BeforeRefresh = null;
            await f.Manager.DisableAsync(Id, "customer offboarding");
            f.Provider.RevokeAll();
        };

        var during = await Assert.ThrowsAsync<ConnectionDisabledException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        var disabled = await f.RecordAsync();
        var alertsWhileDisabled = (await EventsAsync(f)).Count(e => e.Type == ConnectionEventTypes.ReconnectRequired);
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        var enabledAt = f.Clock.GetUtcNow();
        await f.Manager.EnableAsync(Id);
        var enabled = await f.RecordAsync();

        Assert.Equal(Id, during.ConnectionId);
        Assert.Equal((ConnectionState.Disabled, ConnectionState.ReconnectRequired, StateReasons.Revoked), (disabled.Status.State, disabled.StatusBeforeDisabled?.State, disabled.StatusBeforeDisabled?.Reason));
        Assert.Null(disabled.PendingRefresh);
        Assert.Equal(0, alertsWhileDisabled);
        await AssertChangedAsync(f, enabled, ConnectionState.Disabled, ConnectionState.ReconnectRequired, StateReasons.Revoked, enabledAt, last: false);
        Assert.Single(await EventsAsync(f), e => e.Type == ConnectionEventTypes.ReconnectRequired);
    }

    [Fact]
    public async Task ReconnectRequired_Disabled_ANewBootstrapTokenWhileDisabled_IsTaken_StaysDisabled_ThenEnabled_IsActive()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await RevokeAsync(f);
        f.Clock.Advance(TimeSpan.FromHours(1));
        await f.Manager.DisableAsync(Id, "waiting for the customer to re-consent");
        var disabled = await f.RecordAsync();
        f.Clock.Advance(TimeSpan.FromHours(1));
        var grant = f.Provider.NewRefreshToken();

        var outcome = await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, grant));
        var reauthorised = await f.RecordAsync();
        f.Clock.Advance(TimeSpan.FromMinutes(5));
        var enabledAt = f.Clock.GetUtcNow();
        await f.Manager.EnableAsync(Id);
        var token = await f.Manager.GetAccessTokenAsync(Id);

        Assert.Equal((ConnectionState.ReconnectRequired, StateReasons.Revoked), (disabled.StatusBeforeDisabled?.State, disabled.StatusBeforeDisabled?.Reason));
        Assert.True(outcome.Reauthorized);
        Assert.Equal(ConnectionState.Disabled, reauthorised.Status.State);
        Assert.Null(reauthorised.StatusBeforeDisabled);
        await AssertChangedAsync(f, await f.RecordAsync(), ConnectionState.Disabled, ConnectionState.Active, StateReasons.Authorized, enabledAt);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(grant, f.Provider.PresentedRefreshTokens.Last());
    }

    [Theory]
    [InlineData("code_exchange")]
    [InlineData("bootstrap_refresh_token")]
    public async Task ReconnectRequired_Reauthorised_IsActive_WithCountersAndWarningsReset(string how)
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await RevokeAsync(f);
        var dead = await f.RecordAsync();
        f.Clock.Advance(TimeSpan.FromDays(2));
        var at = f.Clock.GetUtcNow();
        var grant = f.Provider.NewRefreshToken();

        if (how == "code_exchange")
        {
            await f.Manager.AuthorizeAsync(Id, new TokenSet { AccessToken = new AccessToken("at-after-reconnect"), RefreshToken = new RefreshToken(grant), IssuedAt = at, ExpiresAt = at.AddHours(1) });
        }
        else
        {
            Assert.True((await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, grant))).Reauthorized);
        }

        var token = await f.Manager.GetAccessTokenAsync(Id).AsTask();

        Assert.Equal(1, dead.ConsecutiveFailures);
        var record = await f.RecordAsync();
        await AssertChangedAsync(f, record, ConnectionState.ReconnectRequired, ConnectionState.Active, StateReasons.Authorized, at);
        Assert.Equal((0, null, at), (record.ConsecutiveFailures, record.LastError, record.AuthorizedAt));
        if (how == "code_exchange")
        {
            Assert.Equal("at-after-reconnect", token.Token.Value);
            Assert.Equal(grant, record.Tokens!.RefreshToken!.Value.Value);
        }
        else
        {
            Assert.False(token.Token.IsEmpty);
            Assert.Equal(grant, f.Provider.PresentedRefreshTokens.Last());
        }
    }

    [Fact]
    public async Task Degraded_InvalidClient_ReregisteredWithACorrectedSecret_IsActive_Reconfigured()
    {
        await using var f = Fixture();
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"client secret expired"}""");
        var error = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        f.Clock.Advance(TimeSpan.FromMinutes(10));
        var at = f.Clock.GetUtcNow();
        var corrected = ManagerFixture.Definition(Id, f.InitialRefreshToken);
        corrected = corrected with { Registration = corrected.Registration with { ClientSecret = new ClientSecret("the-new-secret") } };

        var outcome = await f.Manager.RegisterAsync(corrected);
        var token = await f.Manager.GetAccessTokenAsync(Id).AsTask();

        Assert.Equal(StateReasons.InvalidClient, error.Reason);
        Assert.True(outcome.RegistrationUpdated);
        var record = await f.RecordAsync();
        Assert.Equal((ConnectionState.Degraded, StateReasons.InvalidClient), (record.History[0].To, record.History[0].Reason));
        Assert.Equal("client secret expired", record.History[0].Detail);
        Assert.Equal(ConnectionState.Active, record.History[1].To);
        Assert.Equal((at, StateReasons.Reconfigured), (record.History[1].At, record.History[1].Reason));
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.False(token.Token.IsEmpty);
    }

    [Fact]
    public async Task History_KeepsTheLastFiftyChanges_InTheStoreFile_NewestLast()
    {
        await using var f = Fixture();
        await f.Manager.RegisterAsync(ManagerFixture.Definition(Id, f.InitialRefreshToken));
        for (var i = 0; i < 30; i++)
        {
            f.Clock.Advance(TimeSpan.FromMinutes(1));
            await f.Manager.DisableAsync(Id, $"maintenance {i}");
            f.Clock.Advance(TimeSpan.FromMinutes(1));
            await f.Manager.EnableAsync(Id);
        }

        using var reopened = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = _protector }, _clock);
        var history = (await reopened.GetAsync(Id))!.History;

        Assert.Equal(StorageConstants.MaxHistory, history.Count);
        Assert.Equal(new StateTransition(Start.AddMinutes(60), ConnectionState.Disabled, ConnectionState.Active, StateReasons.Authorized), history[^1]);

        // 60 changes, the first ten dropped: the oldest kept is the sixth disabling, at minute 11.
        Assert.Equal(new StateTransition(Start.AddMinutes(11), ConnectionState.Active, ConnectionState.Disabled, StateReasons.DisabledByOperator, "maintenance 5"), history[0]);
        Assert.Equal(history.Select(h => h.At).Order(), history.Select(h => h.At));
        Assert.Equal(60, (await reopened.ReadAsync(Id)).Count(e => e.Event.Type == ConnectionEventTypes.StateChanged && e.Event.Data!["from"] != "none"));
    }

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    private ManagerFixture Fixture(ProviderProfile? profile = null)
    {
        var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = _protector }, _clock);
        _stores.Add(store);
        return new ManagerFixture(o => o.MaxAttempts = 1, store: store, clock: _clock, profile: profile);
    }

    /// <summary>One failed refresh cycle (the endpoint answers 503) for a caller whose token has expired: Degraded.</summary>
    private static async Task<DateTimeOffset> DegradeAsync(ManagerFixture f)
    {
        f.Provider.FailWith = HttpStatusCode.ServiceUnavailable;
        f.Clock.Advance(TimeSpan.FromHours(2));
        var at = f.Clock.GetUtcNow();
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        return at;
    }

    private static async Task RevokeAsync(ManagerFixture f)
    {
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
    }

    private static async Task<IReadOnlyList<ConnectionEvent>> EventsAsync(ManagerFixture f) =>
        [.. (await ((IEventOutbox)f.Store).ReadAsync()).Select(e => e.Event)];

    /// <summary>The record is in <paramref name="to"/> since <paramref name="at"/> for <paramref name="reason"/>; its history ends with
    /// (or, unless <paramref name="last"/>, holds) that change; the outbox has its <c>state_changed</c> event.</summary>
    private static async Task AssertChangedAsync(ManagerFixture f, ConnectionRecord record, ConnectionState from, ConnectionState to, string reason, DateTimeOffset at, bool last = true)
    {
        Assert.Equal((to, reason, at), (record.Status.State, record.Status.Reason, record.Status.Since));
        var entry = record.History[^1];
        Assert.Equal((at, from, to, reason), (entry.At, entry.From, entry.To, entry.Reason));
        var changes = (await EventsAsync(f)).Where(e => e.ConnectionId == record.ConnectionId && e.Type == ConnectionEventTypes.StateChanged).ToList();
        var changed = last ? changes[^1] : changes.Single(e => e.OccurredAt == at && e.Data!["to"] == to.ToString());
        Assert.Equal((from.ToString(), to.ToString(), reason, at), (changed.Data!["from"], changed.Data["to"], changed.Reason, changed.OccurredAt));
    }
}
