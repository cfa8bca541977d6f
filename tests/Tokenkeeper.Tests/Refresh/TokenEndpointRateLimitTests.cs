using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// The per-client token bucket as a user meets it: many connections of one client needing a token at the same moment (a
/// restart, a fleet of tokens expiring together) send no more token requests than the client's budget allows; the others
/// wait on the clock and then proceed, none fails. Another client's connections are not held back by this client's budget.
/// </summary>
public sealed class TokenEndpointRateLimitTests
{
    private const int RequestsPerSecond = 2;
    private const int Burst = 3;
    private const int Connections = 10;

    [Fact]
    public async Task ManyConnectionsOfOneClient_RefreshingAtOnce_SendAtMostTheBudgetPerInterval_TheRestWaitThenProceed()
    {
        await using var f = new ManagerFixture(o => (o.TokenEndpointRequestsPerSecond, o.TokenEndpointBurst) = (RequestsPerSecond, Burst));
        var ids = new List<string> { ManagerFixture.ConnectionId };
        for (var i = 1; i < Connections; i++)
        {
            ids.Add($"crm-{i}");
            f.Manager.Define(ManagerFixture.Definition(ids[^1], f.Provider.NewRefreshToken()));
        }

        f.Manager.Define(ManagerFixture.Definition("other-client", f.Provider.NewRefreshToken(), clientId: "client-2"));

        // Token responses are held, so every flight ends up parked on the clock: either in a request (its timeout timer) or
        // in the client's bucket (its refill timer). Only then is the number of requests that left meaningful.
        f.Provider.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var callers = ids.Select(id => Task.Run(() => f.Manager.GetAccessTokenAsync(id).AsTask())).ToArray();
        await Waits.UntilAsync(() => f.Clock.PendingTimers >= Connections, () => $"{f.Clock.PendingTimers} flights parked on the clock");

        Assert.Equal(Burst, f.Provider.Requests);
        f.Provider.Gate.SetResult();
        await Waits.UntilAsync(() => callers.Count(c => c.IsCompleted) == Burst, () => $"{callers.Count(c => c.IsCompleted)} callers served");

        // Client 1's bucket is empty and its callers wait; client 2 has its own bucket and is served at once.
        var other = await f.Manager.GetAccessTokenAsync("other-client").AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(other.Token.IsEmpty);
        var otherRequests = 1;
        Assert.Equal(Burst + otherRequests, f.Provider.Requests);

        var elapsed = TimeSpan.Zero;
        while (callers.Any(c => !c.IsCompleted))
        {
            f.Clock.Advance(TimeSpan.FromSeconds(1));
            elapsed += TimeSpan.FromSeconds(1);
            var budget = Math.Min(Connections, Burst + (int)(RequestsPerSecond * elapsed.TotalSeconds));
            await Waits.UntilAsync(
                () => callers.Count(c => c.IsCompleted) == budget && f.Clock.PendingTimers >= Connections - budget,
                () => $"after {elapsed.TotalSeconds} s: {callers.Count(c => c.IsCompleted)} callers served, {f.Clock.PendingTimers} waiting, budget {budget}");

            Assert.Equal(budget, f.Provider.Requests - otherRequests);
            Assert.True(elapsed <= TimeSpan.FromSeconds(Connections), "the waiting callers never proceeded");
        }

        var tokens = await Task.WhenAll(callers);
        Assert.Equal(Connections, tokens.Select(t => t.Token).Distinct().Count());
        Assert.Equal(Connections, f.Provider.Requests - otherRequests);
        Assert.Equal(TimeSpan.FromSeconds(Math.Ceiling((Connections - Burst) / (double)RequestsPerSecond)), elapsed);
        Assert.Equal(0, f.Manager.Metrics.RefreshFailures);
    }
}
