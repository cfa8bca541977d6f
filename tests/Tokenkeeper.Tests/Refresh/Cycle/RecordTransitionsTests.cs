using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>How a refresh changes a connection's record: what is stored after a success, a salvage and each kind of failure.</summary>
public sealed class RecordTransitionsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly RefreshToken Spent = new("rt-spent");

    private static ConnectionRecord Record(ConnectionState state = ConnectionState.Active, int failures = 0, RefreshIntent? intent = null) => new()
    {
        ConnectionId = "crm",
        Registration = new ConnectionRegistration { Provider = "generic", TokenEndpoint = new Uri("https://provider.test/token"), ClientId = "c" },
        Status = new ConnectionStatus(state, StateReasons.Refreshed, Now.AddHours(-1)),
        Tokens = new TokenSet { AccessToken = new AccessToken("at-old"), RefreshToken = Spent, IssuedAt = Now.AddHours(-1), ExpiresAt = Now, RefreshTokenExpiresAt = Now.AddDays(90) },
        RefreshTokenGeneration = 4,
        ConsecutiveFailures = failures,
        LastError = failures > 0 ? "HTTP 503" : null,
        NextAttemptAt = failures > 0 ? Now.AddMinutes(-1) : null,
        PendingRefresh = intent,
    };

    private static TokenSet Issued(RefreshToken? refreshToken) =>
        new() { AccessToken = new AccessToken("at-new"), RefreshToken = refreshToken, IssuedAt = Now, ExpiresAt = Now.AddHours(1) };

    private static readonly RefreshIntent Intent = new(4, "fp", Now.AddSeconds(-10), "me", ResponseLost: false, Now.AddSeconds(25));

    [Fact]
    public void ARefreshThatKeptTheRefreshToken_KeepsItsKnownDeadline_AndTheGeneration()
    {
        var tokens = RecordTransitions.TokensToStore(Issued(Spent), Spent, Record());
        var next = RecordTransitions.Refreshed(Record(failures: 2, intent: Intent), tokens, 4, rotated: false, Now);

        Assert.Equal(Now.AddDays(90), tokens.RefreshTokenExpiresAt);
        Assert.Equal(4, next.RefreshTokenGeneration);
        Assert.Equal((0, null, null, null), (next.ConsecutiveFailures, next.LastError, next.NextAttemptAt, next.PendingRefresh));
        Assert.Equal((Now, Now), (next.LastRefreshAt!.Value, next.LastAttemptAt!.Value));
    }

    [Fact]
    public void ARotatedRefreshToken_IsANewGeneration_WithItsOwnDeadline()
    {
        var fresh = new RefreshToken("rt-new");
        var tokens = RecordTransitions.TokensToStore(Issued(fresh), Spent, Record());

        var next = RecordTransitions.Refreshed(Record(), tokens, 4, rotated: true, Now);

        Assert.Null(tokens.RefreshTokenExpiresAt); // the old deadline belonged to the old token
        Assert.Equal(5, next.RefreshTokenGeneration);
        Assert.Equal(fresh, next.Tokens!.RefreshToken);
    }

    [Theory]
    [InlineData(ConnectionState.Degraded, ConnectionState.Active)]
    [InlineData(ConnectionState.Active, ConnectionState.Active)]
    [InlineData(ConnectionState.Disabled, ConnectionState.Disabled)]
    public void ASuccess_HealsAFailingConnection_ButNeverEnablesADisabledOne(ConnectionState before, ConnectionState after)
    {
        Assert.Equal(after, RecordTransitions.Refreshed(Record(before), Issued(Spent), 4, false, Now).Status.State);
    }

    [Fact]
    public void ASalvagedRefreshToken_IsStoredAlone_AsANewGeneration_WithTheIntentCleared()
    {
        var salvaged = new RefreshToken("rt-salvaged");

        var next = RecordTransitions.Salvaged(Record(intent: Intent), salvaged, Now);

        Assert.Equal(salvaged, next.Tokens!.RefreshToken);
        Assert.Equal(new AccessToken("at-old"), next.Tokens.AccessToken);
        Assert.Equal(5, next.RefreshTokenGeneration);
        Assert.Null(next.PendingRefresh);
        Assert.Equal(Now, next.LastRefreshAt); // the new refresh token's idle clock starts now
    }

    [Fact]
    public void ATransientFailure_DegradesTheConnection_CountsItAndBacksOff()
    {
        var timings = new RefreshTimings(new TokenManagerOptions(), TimeSpan.FromSeconds(30), () => 1);
        var failure = new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "HTTP 503" };

        var next = RecordTransitions.FailedTransiently(Record(failures: 2, intent: Intent), failure, keepInDoubt: false, timings, ProviderProfiles.Generic, null, Now);

        Assert.Equal(ConnectionState.Degraded, next.Status.State);
        Assert.Equal(3, next.ConsecutiveFailures);
        Assert.Equal(Now + timings.FailureBackoff(3), next.NextAttemptAt);
        Assert.Null(next.PendingRefresh); // nothing is in doubt: no one may take it for a lost answer
        Assert.Equal(Record().Tokens, next.Tokens); // credentials are never touched by a failure
    }

    [Fact]
    public void ATransientFailureInDoubt_KeepsTheIntent_MarkedAsALostAnswer()
    {
        var timings = new RefreshTimings(new TokenManagerOptions(), TimeSpan.FromSeconds(30), () => 1);
        var failure = new TokenEndpointFailure { Kind = TokenFailureKind.Transient, Message = "timed out", MaybeProcessed = true };

        var next = RecordTransitions.FailedTransiently(Record(intent: Intent), failure, keepInDoubt: true, timings, ProviderProfiles.Generic, null, Now);

        Assert.Equal(Intent with { ResponseLost = true }, next.PendingRefresh);
    }

    [Fact]
    public void APermanentFailure_NeedsAPerson_WithTheReason()
    {
        var next = RecordTransitions.FailedPermanently(Record(intent: Intent), StateReasons.Revoked, "refresh token is invalid", Now);

        Assert.Equal((ConnectionState.ReconnectRequired, StateReasons.Revoked, "refresh token is invalid"), (next.Status.State, next.Status.Reason, next.Status.Detail));
        Assert.Null(next.PendingRefresh);
        Assert.Equal(Spent, next.Tokens!.RefreshToken); // kept for the record; never overwritten by a worse state
    }

    [Fact]
    public void APermanentFailureOfADisabledConnection_KeepsItDisabled_WithTheVerdictForWhenItIsEnabled()
    {
        var next = RecordTransitions.FailedPermanently(Record(ConnectionState.Disabled), StateReasons.Revoked, "gone", Now);

        Assert.Equal(ConnectionState.Disabled, next.Status.State);
        Assert.Equal((ConnectionState.ReconnectRequired, StateReasons.Revoked), (next.StatusBeforeDisabled!.State, next.StatusBeforeDisabled.Reason));
    }

    [Fact]
    public void StillHolds_IsFalseOnceAnotherGenerationOrRefreshTokenIsStored()
    {
        Assert.True(RecordTransitions.StillHolds(Record(), 4, Spent));
        Assert.False(RecordTransitions.StillHolds(Record(), 5, Spent));
        Assert.False(RecordTransitions.StillHolds(Record(), 4, new RefreshToken("rt-other")));
    }
}
