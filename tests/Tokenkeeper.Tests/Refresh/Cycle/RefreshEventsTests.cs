using Tokenkeeper.Connections;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>The events a refresh writes with its commit: what an operator's webhooks and audit log receive.</summary>
public sealed class RefreshEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static ConnectionRecord Record(ConnectionState state, int failures = 0) => new()
    {
        ConnectionId = "crm",
        Registration = new ConnectionRegistration { Provider = "generic", TokenEndpoint = new Uri("https://provider.test/token"), ClientId = "c" },
        Status = new ConnectionStatus(state, StateReasons.Refreshed, Now),
        ConsecutiveFailures = failures,
        NextAttemptAt = Now.AddSeconds(2),
    };

    private static readonly TokenEndpointFailure Unavailable = new() { Kind = TokenFailureKind.Transient, Message = "HTTP 503" };

    [Fact]
    public void ARefresh_IsRecordedWithFingerprints_NeverTheTokens()
    {
        var tokens = new TokenSet { AccessToken = new AccessToken("at-secret-value"), RefreshToken = new RefreshToken("rt-secret-value"), IssuedAt = Now, ExpiresAt = Now.AddHours(1) };

        var events = RefreshEvents.Refreshed(Record(ConnectionState.Degraded), Record(ConnectionState.Active), tokens, RefreshTrigger.KeepAlive, rotated: true, recoveredInDoubt: true, Now);

        var refreshed = Assert.Single(events, e => e.Type == ConnectionEventTypes.Refreshed);
        Assert.Equal("keepalive", refreshed.Reason);
        Assert.Equal(tokens.AccessToken.Fingerprint, refreshed.Data!["access_token"]);
        Assert.Equal(("true", "true"), (refreshed.Data["rotated"], refreshed.Data["recovered_in_doubt"]));
        Assert.Contains(events, e => e.Type == ConnectionEventTypes.StateChanged); // degraded -> active
        Assert.DoesNotContain(events, e => e.Data?.Values.Any(v => v.Contains("secret-value", StringComparison.Ordinal)) == true);
    }

    [Fact]
    public void AFailure_SaysWhenTheNextAttemptIs_AndTheThirdInARowRaisesAnAlert()
    {
        var second = RefreshEvents.FailedTransiently(Record(ConnectionState.Degraded, 1), Record(ConnectionState.Degraded, 2), Unavailable, Now);
        var third = RefreshEvents.FailedTransiently(Record(ConnectionState.Degraded, 2), Record(ConnectionState.Degraded, LifecycleConstants.RepeatedFailureAlertThreshold), Unavailable, Now);

        Assert.Equal(Now.AddSeconds(2).ToString("O", System.Globalization.CultureInfo.InvariantCulture), Assert.Single(second).Data!["next_attempt_at"]);
        Assert.Contains(third, e => e.Type == ConnectionEventTypes.RepeatedFailures);
    }

    [Fact]
    public void APermanentFailure_RaisesReconnectRequired_ButADisabledConnectionWaitsUntilItIsEnabled()
    {
        var needsAPerson = Record(ConnectionState.ReconnectRequired);

        var events = RefreshEvents.FailedPermanently(Record(ConnectionState.Active), needsAPerson, StateReasons.Revoked, "gone", Now);

        Assert.Contains(events, e => e.Type == ConnectionEventTypes.ReconnectRequired && e.Reason == StateReasons.Revoked);
        Assert.Contains(events, e => e.Type == ConnectionEventTypes.StateChanged);
        Assert.Empty(RefreshEvents.FailedPermanently(Record(ConnectionState.Disabled), Record(ConnectionState.Disabled), StateReasons.Revoked, "gone", Now));
    }

    [Fact]
    public void EventsMergedOntoANewerRecord_DescribeTheStateChangeFromThatRecord()
    {
        var events = RefreshEvents.FailedTransiently(Record(ConnectionState.Active), Record(ConnectionState.Degraded, 1), Unavailable, Now);
        Assert.Contains(events, e => e.Type == ConnectionEventTypes.StateChanged);

        // A peer degraded it first: our failure no longer changes the state, and two failures are not yet an alert.
        var merged = RefreshEvents.Merged(events, Record(ConnectionState.Degraded, 1), Record(ConnectionState.Degraded, 2), Now, Unavailable);

        Assert.Equal([ConnectionEventTypes.RefreshFailed], merged.Select(e => e.Type));
        var atThreshold = RefreshEvents.Merged(events, Record(ConnectionState.Degraded, 2), Record(ConnectionState.Degraded, 3), Now, Unavailable);
        Assert.Contains(atThreshold, e => e.Type == ConnectionEventTypes.RepeatedFailures);
    }
}
