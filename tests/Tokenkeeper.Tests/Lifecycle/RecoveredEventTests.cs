using System.Globalization;
using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Events;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Lifecycle;

/// <summary>
/// A connection that comes back to <c>Active</c> from <c>Degraded</c> or <c>ReconnectRequired</c> emits exactly one <c>recovered</c>
/// event, with the state it came from, how long it was unhealthy (from the start of the whole stretch) and the cause of what it
/// recovered from, so the alert that paged someone can close itself. Driven through the public API on a fake clock, read back
/// from a real SQLite store's outbox.
/// </summary>
public sealed class RecoveredEventTests : IDisposable
{
    private const string Id = ManagerFixture.ConnectionId;
    private static readonly DateTimeOffset Start = new(2026, 3, 14, 8, 0, 0, TimeSpan.Zero);

    private readonly TempSqlite _sqlite = new();
    private readonly ManualTimeProvider _clock = new(Start);

    public void Dispose() => _sqlite.Dispose();

    [Fact]
    public async Task ActiveDegradedActive_EmitsOneRecovered_WithTheTimeSinceItDegraded_AndTheProviderCause()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        var degradedAt = await DegradeAsync(f);
        f.Provider.FailWith = null;
        f.Clock.SetUtcNow(degradedAt + TimeSpan.FromMinutes(47));
        var recoveredAt = f.Clock.GetUtcNow();

        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await f.Manager.GetAccessTokenAsync(Id).AsTask(); // served from cache: no second recovery

        var recovered = Assert.Single(await EventsAsync(f, ConnectionEventTypes.Recovered));
        Assert.Equal(recoveredAt, recovered.OccurredAt);
        Assert.Equal(nameof(ConnectionState.Active), recovered.State);
        Assert.Equal(StateReasons.Refreshed, recovered.Reason);
        Assert.Equal(FailureCause.Provider, recovered.Cause);
        Assert.Equal(nameof(ConnectionState.Degraded), recovered.Data!["from"]);
        Assert.Equal(StateReasons.RefreshFailing, recovered.Data["from_reason"]);
        Assert.Equal((47 * 60).ToString(CultureInfo.InvariantCulture), recovered.Data["unhealthy_for_seconds"]);
        Assert.Equal(degradedAt, DateTimeOffset.Parse(recovered.Data["unhealthy_since"], CultureInfo.InvariantCulture));
        var failed = Assert.Single(await EventsAsync(f, ConnectionEventTypes.RefreshFailed));
        Assert.Equal(FailureCause.Provider, failed.Cause);
        var record = await f.RecordAsync();
        Assert.Null(record.LastError);
        Assert.Null(record.LastFailureCause);
    }

    [Fact]
    public async Task ReconnectRequiredActive_ByReauthorising_EmitsOneRecovered_WithTheCredentialCause()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        f.Provider.RevokeAll();
        f.Clock.Advance(TimeSpan.FromHours(2));
        var revokedAt = f.Clock.GetUtcNow();
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        f.Clock.Advance(TimeSpan.FromHours(3) + TimeSpan.FromSeconds(5));
        var reauthorisedAt = f.Clock.GetUtcNow();

        await f.Manager.AuthorizeAsync(Id, TokenSets.FromRefreshToken(new RefreshToken(f.Provider.NewRefreshToken()), reauthorisedAt));
        var token = await f.Manager.GetAccessTokenAsync(Id).AsTask();

        Assert.False(token.Token.IsEmpty);
        var recovered = Assert.Single(await EventsAsync(f, ConnectionEventTypes.Recovered));
        Assert.Equal(reauthorisedAt, recovered.OccurredAt);
        Assert.Equal(StateReasons.Authorized, recovered.Reason);
        Assert.Equal(FailureCause.Credential, recovered.Cause);
        Assert.Equal(nameof(ConnectionState.ReconnectRequired), recovered.Data!["from"]);
        Assert.Equal(StateReasons.Revoked, recovered.Data["from_reason"]);
        Assert.Equal(((3 * 3600) + 5).ToString(CultureInfo.InvariantCulture), recovered.Data["unhealthy_for_seconds"]);
        var alert = Assert.Single(await EventsAsync(f, ConnectionEventTypes.ReconnectRequired));
        Assert.Equal((FailureCause.Credential, revokedAt), (alert.Cause, alert.OccurredAt));
    }

    [Fact]
    public async Task DegradedThenReconnectRequiredThenActive_CountsTheWholeUnhealthyStretch()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        var degradedAt = await DegradeAsync(f);
        f.Provider.FailWith = null;
        f.Provider.RevokeAll();
        f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);
        await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        f.Clock.Advance(TimeSpan.FromDays(1));

        await f.Manager.AuthorizeAsync(Id, TokenSets.FromRefreshToken(new RefreshToken(f.Provider.NewRefreshToken()), f.Clock.GetUtcNow()));

        var recovered = Assert.Single(await EventsAsync(f, ConnectionEventTypes.Recovered));
        Assert.Equal(nameof(ConnectionState.ReconnectRequired), recovered.Data!["from"]);
        Assert.Equal(degradedAt, DateTimeOffset.Parse(recovered.Data["unhealthy_since"], CultureInfo.InvariantCulture));
        Assert.Equal(((long)(f.Clock.GetUtcNow() - degradedAt).TotalSeconds).ToString(CultureInfo.InvariantCulture), recovered.Data["unhealthy_for_seconds"]);
    }

    [Fact]
    public async Task AWrongClientSecret_IsAClientConfigurationFailure_AndItsCorrectionARecovery()
    {
        await using var f = Fixture();
        f.Provider.Enqueue(HttpStatusCode.Unauthorized, """{"error":"invalid_client","error_description":"client secret expired"}""");
        var error = await Assert.ThrowsAsync<ConnectionMisconfiguredException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        var rejected = await f.RecordAsync();
        f.Clock.Advance(TimeSpan.FromMinutes(10));
        var corrected = ManagerFixture.Definition(Id, f.InitialRefreshToken);
        await f.Manager.RegisterAsync(corrected with { Registration = corrected.Registration with { ClientSecret = new ClientSecret("the-new-secret") } });

        Assert.Equal(FailureCause.ClientConfiguration, error.Cause);
        Assert.Equal(FailureCause.ClientConfiguration, rejected.LastFailureCause);
        var events = await EventsAsync(f);
        Assert.Equal(FailureCause.ClientConfiguration, events.Single(e => e.Type == ConnectionEventTypes.RefreshFailed).Cause);
        Assert.Equal(FailureCause.ClientConfiguration, events.Single(e => e.Type == ConnectionEventTypes.StateChanged && e.State == nameof(ConnectionState.Degraded)).Cause);
        Assert.DoesNotContain(events, e => e.Cause == FailureCause.Credential || e.Type == ConnectionEventTypes.ReconnectRequired);
        var recovered = Assert.Single(events, e => e.Type == ConnectionEventTypes.Recovered);
        Assert.Equal((StateReasons.Reconfigured, FailureCause.ClientConfiguration, "600"), (recovered.Reason, recovered.Cause, recovered.Data!["unhealthy_for_seconds"]));
    }

    [Fact]
    public async Task EnablingADisabledConnection_IsNoRecovery()
    {
        await using var f = Fixture();
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        await DegradeAsync(f);
        await f.Manager.DisableAsync(Id, "paused");
        f.Provider.FailWith = null;
        f.Clock.Advance(TimeSpan.FromHours(1));

        await f.Manager.EnableAsync(Id);

        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
        Assert.Empty(await EventsAsync(f, ConnectionEventTypes.Recovered));
    }

    private ManagerFixture Fixture() => new(o => o.MaxAttempts = 1, store: _sqlite.Open(_clock), clock: _clock);

    /// <summary>One failed refresh cycle (the endpoint answers 503) for a caller whose token has expired: Degraded.</summary>
    private static async Task<DateTimeOffset> DegradeAsync(ManagerFixture f)
    {
        f.Provider.FailWith = HttpStatusCode.ServiceUnavailable;
        f.Clock.Advance(TimeSpan.FromHours(2));
        var at = f.Clock.GetUtcNow();
        var error = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        Assert.Equal(FailureCause.Provider, error.Cause);
        Assert.Equal(FailureCause.Provider, (await f.RecordAsync()).LastFailureCause);
        return at;
    }

    private static async Task<IReadOnlyList<ConnectionEvent>> EventsAsync(ManagerFixture f, string? type = null) =>
        [.. (await ((IEventOutbox)f.Store).ReadAsync()).Select(e => e.Event).Where(e => type is null || e.Type == type)];
}
