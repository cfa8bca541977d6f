using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>The slow-provider dial, <c>--token-delay</c> / <c>token_delay</c>: the answer is held after processing.</summary>
public sealed class TokenDelayTests
{
    [Fact]
    public async Task TokenDelay_HoldsTheAnswerOnTheInjectedClock_AfterTheRefreshRotated()
    {
        await using var sim = await SimHarness.StartAsync(o => o.TokenResponseDelay = TimeSpan.FromSeconds(5));
        var grant = await sim.GrantAsync();

        var pending = sim.RefreshAsync(grant.RefreshToken!);
        await sim.WaitForPendingTimerAsync();
        var whileHeld = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0];
        var heldGauge = (await sim.StatsAsync()).GetProperty("token_responses_held").GetInt64();
        sim.Clock.Advance(TimeSpan.FromSeconds(4));
        var stillHeld = !pending.IsCompleted;
        sim.Clock.Advance(TimeSpan.FromSeconds(1));
        var reply = await pending;

        Assert.Equal(1, whileHeld.GetProperty("refresh_generation").GetInt32());
        Assert.True(stillHeld, "the answer was written before the delay had passed");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.Has("refresh_token"));
        Assert.Equal(1, heldGauge);
        Assert.Equal(0, (await sim.StatsAsync()).GetProperty("token_responses_held").GetInt64());
    }

    [Fact]
    public async Task TokenDelay_HoldsErrorsToo()
    {
        await using var sim = await SimHarness.StartAsync(o => o.TokenResponseDelay = TimeSpan.FromSeconds(5));

        var pending = sim.RefreshAsync("never-issued");
        await sim.WaitForPendingTimerAsync();
        var stillHeld = !pending.IsCompleted;
        sim.Clock.Advance(TimeSpan.FromSeconds(5));
        var reply = await pending;

        Assert.True(stillHeld, "the error was written before the delay had passed");
        Assert.Equal("invalid_grant", reply.Error);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("invalid_grant_served").GetInt64());
    }

    [Fact]
    public async Task TokenDelay_ClientGivesUpWhileHeld_TheRotationStands_AndTheResendIsSpent()
    {
        await using var sim = await SimHarness.StartAsync(o => o.TokenResponseDelay = TimeSpan.FromSeconds(30));
        var grant = await sim.GrantAsync();

        using var giveUp = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent([KeyValuePair.Create("grant_type", "refresh_token"), KeyValuePair.Create("refresh_token", grant.RefreshToken!)]),
        };
        request.Headers.Authorization = SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret);
        var pending = sim.Http.SendAsync(request, giveUp.Token);
        await sim.WaitForPendingTimerAsync();
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await sim.WaitForNoPendingTimerAsync();
        sim.Options.TokenResponseDelay = TimeSpan.Zero;
        var resend = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("invalid_grant", resend.Error);
        Assert.Equal("refresh token has already been used", resend.ErrorDescription);
        var listed = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0];
        Assert.Equal(1, listed.GetProperty("refresh_generation").GetInt32());
        Assert.Equal(1, listed.GetProperty("spent_refresh_tokens_presented").GetInt64());
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("refreshes_served").GetInt64());
        Assert.Equal(1, stats.GetProperty("spent_refresh_tokens_presented").GetInt64());
        Assert.Equal(0, stats.GetProperty("internal_errors").GetInt64());
    }

    [Fact]
    public async Task TokenDelay_ComesAfterADelayFault_WhichWaitsBeforeProcessing()
    {
        await using var sim = await SimHarness.StartAsync(o =>
        {
            o.TokenResponseDelay = TimeSpan.FromSeconds(5);
            (o.FaultRate, o.Faults) = (1, ["delay:2s"]);
        });
        var grant = await sim.GrantAsync();

        var pending = sim.RefreshAsync(grant.RefreshToken!);
        await sim.WaitForPendingTimerAsync();
        var beforeFaultEnds = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0].GetProperty("refresh_generation").GetInt32();
        sim.Clock.Advance(TimeSpan.FromSeconds(2));
        await sim.WaitForPendingTimerAsync();
        var whileHeld = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0].GetProperty("refresh_generation").GetInt32();
        var stillHeld = !pending.IsCompleted;
        sim.Clock.Advance(TimeSpan.FromSeconds(5));
        var reply = await pending;

        Assert.Equal(0, beforeFaultEnds);
        Assert.Equal(1, whileHeld);
        Assert.True(stillHeld, "the answer was written before token_delay had passed");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task TokenDelay_IsADialAtRuntime()
    {
        await using var sim = await SimHarness.StartAsync();

        var changed = await sim.PostJsonAsync("sim/dials", """{"token_delay":"250ms"}""");
        var seconds = await sim.PostJsonAsync("sim/dials", """{"token_delay":2}""");
        var negative = await sim.PostJsonAsync("sim/dials", """{"token_delay":"-1s"}""");

        Assert.Equal("250ms", changed["token_delay"]);
        Assert.Equal("2s", seconds["token_delay"]);
        Assert.Equal(HttpStatusCode.BadRequest, negative.Status);
        Assert.Equal(TimeSpan.FromSeconds(2), sim.Options.TokenResponseDelay);
    }
}
