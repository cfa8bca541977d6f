using System.Net;
using Tokenkeeper.Connections;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh;

/// <summary><see cref="Tokenkeeper.Refresh.TokenManagerOptions.MaxAttempts"/> = 1 (validated as allowed): one request per refresh cycle, no retry.</summary>
public sealed class SingleAttemptCycleTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public async Task MaxAttemptsOne_IsAccepted_AndAFailedCycleSendsExactlyOneRequest()
    {
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1);
        f.Provider.Enqueue(HttpStatusCode.ServiceUnavailable, """{"error":"temporarily_unavailable"}""");

        await Assert.ThrowsAsync<TokenEndpointUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var afterFailure = f.Provider.Requests;
        f.Clock.SetUtcNow((await f.RecordAsync()).NextAttemptAt!.Value);
        var token = await f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(1, afterFailure);
        Assert.Equal(2, f.Provider.Requests);
        Assert.False(token.Token.IsEmpty);
        Assert.Equal(ConnectionState.Active, (await f.RecordAsync()).Status.State);
    }
}
