using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>The checks before anything is refreshed, each with the typed exception a caller handles.</summary>
public sealed class RefreshGuardsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static ConnectionRecord Record(ConnectionState state = ConnectionState.Active, string reason = StateReasons.Refreshed, RefreshToken? refreshToken = null, DateTimeOffset? nextAttemptAt = null, OAuthGrantType grant = OAuthGrantType.RefreshToken) => new()
    {
        ConnectionId = "crm",
        Registration = new ConnectionRegistration { Provider = "generic", TokenEndpoint = new Uri("https://provider.test/token"), ClientId = "c", Grant = grant },
        Status = new ConnectionStatus(state, reason, Now, "the detail"),
        Tokens = new TokenSet { AccessToken = new AccessToken("at"), RefreshToken = refreshToken ?? new RefreshToken("rt"), IssuedAt = Now, ExpiresAt = Now.AddMinutes(30) },
        NextAttemptAt = nextAttemptAt,
        ConsecutiveFailures = nextAttemptAt is null ? 0 : 2,
        LastError = nextAttemptAt is null ? null : "HTTP 503",
    };

    [Fact]
    public void AConnectionThatNeedsAPerson_IsReportedWithItsReason()
    {
        var ex = Assert.Throws<ReconnectRequiredException>(() => RefreshGuards.ThrowIfNotUsable(Record(ConnectionState.ReconnectRequired, StateReasons.Revoked)));

        Assert.Equal(StateReasons.Revoked, ex.Reason);
        Assert.Throws<ConnectionDisabledException>(() => RefreshGuards.ThrowIfNotUsable(Record(ConnectionState.Disabled, StateReasons.DisabledByOperator)));
        Assert.Equal(StateReasons.NotAuthorized, Assert.Throws<ReconnectRequiredException>(() => RefreshGuards.ThrowIfNotUsable(Record(ConnectionState.PendingAuthorization))).Reason);
    }

    [Theory]
    [InlineData(ConnectionState.Active)]
    [InlineData(ConnectionState.Degraded)]
    public void AUsableConnection_PassesEveryGuard(ConnectionState state)
    {
        var record = Record(state);

        RefreshGuards.ThrowIfNotUsable(record);
        RefreshGuards.EnsureRefreshable(record, Now);
        RefreshGuards.EnsureAttainable(record, new Flight(RefreshTrigger.NoToken, null, TimeSpan.FromMinutes(10), 0));
    }

    [Fact]
    public void ARefreshTokenGrantWithoutARefreshToken_NeedsAuthorising()
    {
        var record = Record() with { Tokens = null };

        Assert.Equal(StateReasons.NotAuthorized, Assert.Throws<ReconnectRequiredException>(() => RefreshGuards.EnsureRefreshable(record, Now)).Reason);
        RefreshGuards.EnsureRefreshable(Record(grant: OAuthGrantType.ClientCredentials) with { Tokens = null }, Now); // needs none
    }

    [Fact]
    public void AConnectionCoolingDown_SaysUntilWhenAndWhy()
    {
        var until = Now.AddMinutes(3);

        var ex = Assert.Throws<TokenEndpointUnavailableException>(() => RefreshGuards.EnsureRefreshable(Record(nextAttemptAt: until), Now));

        Assert.Equal(until, ex.RetryNotBefore);
        Assert.Contains("HTTP 503", ex.Message, StringComparison.Ordinal);
        RefreshGuards.EnsureRefreshable(Record(nextAttemptAt: until), until.AddTicks(1)); // over once it has passed
    }

    [Fact]
    public void AskingForLongerThanTokensLive_IsRefusedBeforeAnyRefreshTokenIsSpent()
    {
        var ex = Assert.Throws<MinValidityUnattainableException>(() => RefreshGuards.EnsureAttainable(Record(), new Flight(RefreshTrigger.MinValidity, null, TimeSpan.FromHours(1), 0)));

        Assert.Equal(TimeSpan.FromMinutes(30), ex.Lifetime);
    }
}
