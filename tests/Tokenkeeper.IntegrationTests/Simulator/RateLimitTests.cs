using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class RateLimitTests
{
    [Fact]
    public async Task RateLimit_BeyondNPerWindow_Is429SlowDownWithRetryAfter_UntilTheWindowEnds()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.RateLimitCount, o.RateLimitWindow) = (3, TimeSpan.FromMinutes(1)));

        var admitted = new List<Reply>();
        for (var i = 0; i < 3; i++)
        {
            admitted.Add(await sim.ClientCredentialsAsync());
        }

        sim.Clock.Advance(TimeSpan.FromSeconds(20));
        var limited = await sim.ClientCredentialsAsync();
        sim.Clock.Advance(TimeSpan.FromSeconds(40));
        var afterWindow = await sim.ClientCredentialsAsync();

        Assert.All(admitted, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal("slow_down", limited.Error);
        Assert.Equal(TimeSpan.FromSeconds(40), limited.Headers.RetryAfter!.Delta);
        Assert.Equal(HttpStatusCode.OK, afterWindow.Status);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("rate_limited_served").GetInt64());
    }

    [Fact]
    public async Task RateLimit_IsPerClient()
    {
        await using var sim = await SimHarness.StartAsync(o =>
        {
            (o.RateLimitCount, o.RateLimitWindow) = (1, TimeSpan.FromMinutes(1));
            o.Clients.Add(new SimulatorClient { ClientId = "second", ClientSecret = "s" });
        });

        var first = await sim.ClientCredentialsAsync();
        var firstAgain = await sim.ClientCredentialsAsync();
        var other = await sim.TokenWithAsync(SimHarness.Basic("second", "s"), ("grant_type", "client_credentials"));

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, firstAgain.Status);
        Assert.Equal(HttpStatusCode.OK, other.Status);
    }

    [Fact]
    public async Task RateLimit_ChangedAtRuntime_TakesEffectOnTheNextRequest()
    {
        await using var sim = await SimHarness.StartAsync();
        await sim.ClientCredentialsAsync();

        sim.Options.RateLimitCount = 1;
        var first = await sim.ClientCredentialsAsync();
        var second = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
    }
}
