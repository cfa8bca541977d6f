using System.Collections.Concurrent;
using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Refresh;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// A refresh whose answer was lost, at a provider that rotates refresh tokens: never sent again blindly. With an introspection
/// endpoint the provider is asked (only once the first request can no longer be in progress) whether the token is still active.
/// </summary>
public sealed class LostAnswerTests
{
    private const string Id = ManagerFixture.ConnectionId;
    private static readonly TimeSpan RequestWindow = ManagerFixture.RequestTimeout + RefreshConstants.LeaseSafetyMargin;

    private static ManagerFixture WithIntrospection() =>
        new(profile: ProviderProfiles.ZendeskSell, introspectionEndpoint: InMemoryProvider.IntrospectionEndpoint);

    [Fact]
    public async Task ARequestLostBeforeTheProviderActed_IsAskedAboutAfterTheRequestWindow_AndSentAgainBecauseItIsStillActive()
    {
        await using var f = WithIntrospection();
        var firstSent = f.Clock.GetUtcNow();
        f.Provider.EnqueueLostBeforeProcessing();

        var lost = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var inDoubt = await f.RecordAsync();
        f.Clock.SetUtcNow(inDoubt.NextAttemptAt!.Value);
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.True(inDoubt.PendingRefresh!.ResponseLost);
        Assert.True(lost.RetryNotBefore >= firstSent + RequestWindow, $"asked again at {lost.RetryNotBefore:O}");
        var asked = Assert.Single(f.Provider.Introspections);
        Assert.True(asked >= firstSent + RequestWindow, "introspection was asked while the first request could still be in progress");
        Assert.Equal([f.InitialRefreshToken, f.InitialRefreshToken], f.Provider.PresentedRefreshTokens);
        Assert.False(token.Token.IsEmpty);
        var record = await f.RecordAsync();
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.Null(record.PendingRefresh);
    }

    [Fact]
    public async Task ARequestTheProviderActedOn_IsFoundSpentByIntrospection_AndNothingIsSentAgain()
    {
        await using var f = WithIntrospection();
        f.Provider.EnqueueDropAfter();

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);
        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(StateReasons.RotationLostInFlight, error.Reason);
        Assert.Contains("no longer active", error.Message, StringComparison.Ordinal);
        Assert.Single(f.Provider.Introspections);
        Assert.Equal([f.InitialRefreshToken], f.Provider.PresentedRefreshTokens);
    }

    [Fact]
    public async Task AnIntrospectionEndpointThatIsDown_IsAskedAgainLater_AndNothingIsSentMeanwhile()
    {
        await using var f = WithIntrospection();
        f.Provider.EnqueueLostBeforeProcessing();
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        f.Provider.IntrospectionFailsWith = HttpStatusCode.ServiceUnavailable;
        f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var whileDown = await f.RecordAsync();
        f.Provider.IntrospectionFailsWith = null;
        f.Clock.SetUtcNow(whileDown.NextAttemptAt!.Value);
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.NotNull(whileDown.PendingRefresh);
        Assert.Equal(ConnectionState.Degraded, whileDown.Status.State);
        Assert.Equal(2, f.Provider.Introspections.Count);
        Assert.Equal([f.InitialRefreshToken, f.InitialRefreshToken], f.Provider.PresentedRefreshTokens);
        Assert.False(token.Token.IsEmpty);
    }

    [Fact]
    public async Task AnIntrospectionEndpointThatRefusesTheClient_EndsInDoubtAsRotationLostInFlight_WithoutASecondSend()
    {
        await using var f = WithIntrospection();
        f.Provider.EnqueueLostBeforeProcessing();
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        f.Provider.IntrospectionFailsWith = HttpStatusCode.Unauthorized;
        f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        Assert.Equal(StateReasons.RotationLostInFlight, error.Reason);
        Assert.Contains("refused to answer", error.Message, StringComparison.Ordinal);
        Assert.Single(f.Provider.PresentedRefreshTokens);
    }

    [Fact]
    public async Task AnAnswerProvingTheProviderDidNotAct_LeavesNoIntentBehind()
    {
        // With one attempt per cycle the cycle ends right after the 503: a later run must not take its intent for a lost answer.
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var record = await f.RecordAsync();

        Assert.Null(record.PendingRefresh);
        Assert.Equal(ConnectionState.Degraded, record.Status.State);
    }

    /// <summary>The "can no longer be in progress" wait counts from the request whose answer was lost, not from the cycle's first
    /// send: a 30 s Retry-After before the lost attempt must not eat the window (found by an independent review).</summary>
    [Fact]
    public async Task Introspection_IsAskedOnlyARequestWindowAfterTheLostRequestWasSent()
    {
        // The fixture's day-long timeout: DriveAsync jumps the clock to the next timer, which must not be a request's timeout.
        var window = ManagerFixture.RequestTimeout + RefreshConstants.LeaseSafetyMargin;
        await using var f = new ManagerFixture(profile: ProviderProfiles.ZendeskSell, introspectionEndpoint: InMemoryProvider.IntrospectionEndpoint);
        var sends = new ConcurrentQueue<DateTimeOffset>();
        f.Provider.BeforeRefresh = _ => { sends.Enqueue(f.Clock.GetUtcNow()); return Task.CompletedTask; };
        f.Provider.Enqueue(HttpStatusCode.TooManyRequests, """{"error":"slow_down"}""", retryAfter: TimeSpan.FromSeconds(30));
        f.Provider.EnqueueLostBeforeProcessing();

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);
        await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        var lostSentAt = sends.ToArray()[1];
        var askedAt = Assert.Single(f.Provider.Introspections);
        Assert.True(askedAt >= lostSentAt + window, $"lost request sent at +{(lostSentAt - sends.First()).TotalSeconds} s, introspection asked {(askedAt - lostSentAt).TotalSeconds} s after it (window {window.TotalSeconds} s)");
    }

    /// <summary>
    /// Found by an independent review: at a provider with a rotation grace, a rotated token still introspects as active until the
    /// grace ends, so between 80% and 100% of it an "active" proves nothing. Introspection is asked only after the grace; only an
    /// "active" then means the lost request never spent the token, and only then is it sent again.
    /// </summary>
    [Fact]
    public async Task AtAGraceProvider_IntrospectionIsAskedOnlyAfterTheGrace_AndNothingIsSentMeanwhile()
    {
        // A request window (30 s + 5 s) far inside the grace, so it is the grace the introspection waits for.
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1, profile: ProviderProfiles.Xero, introspectionEndpoint: InMemoryProvider.IntrospectionEndpoint, requestTimeout: TimeSpan.FromSeconds(30));
        var presented = new ConcurrentQueue<DateTimeOffset>();
        f.Provider.BeforeRefresh = _ =>
        {
            presented.Enqueue(f.Clock.GetUtcNow());
            return Task.CompletedTask;
        };
        var t0 = f.Clock.GetUtcNow();
        var grace = ProviderProfiles.Xero.RotationGrace;
        f.Provider.EnqueueLostBeforeProcessing();
        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));

        // 25 minutes on (past 80% of the grace): not sent, not asked; the next attempt is set for the end of the grace.
        f.Clock.SetUtcNow(t0 + TimeSpan.FromMinutes(25));
        var waiting = await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var sentOrAskedAt25 = presented.Count + f.Provider.Introspections.Count;

        // Past the grace: asked; "active" now means the lost request never spent it, so it is sent again.
        f.Clock.SetUtcNow(t0 + TimeSpan.FromMinutes(35));
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(1, sentOrAskedAt25);
        Assert.True(waiting.RetryNotBefore >= t0 + grace, $"next attempt at {waiting.RetryNotBefore:O}, inside the grace");
        var asked = Assert.Single(f.Provider.Introspections);
        Assert.True(asked >= t0 + grace);
        Assert.Equal(2, presented.Count);
        Assert.True(presented.Last() >= asked, "sent again before introspection said it was still active");
        Assert.False(token.Token.IsEmpty);
    }
}
