using System.Net;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class RefreshLifetimeTests
{
    [Fact]
    public async Task AbsoluteTtl_IsAnnouncedAsRefreshTokenExpiresIn_AndCountsDown()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RefreshAbsoluteTtl = TimeSpan.FromDays(90));
        var grant = await sim.GrantAsync();

        sim.Clock.Advance(TimeSpan.FromDays(10));
        var refreshed = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Contains("\"refresh_token_expires_in\":7776000", grant.ResponseJson, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(90), grant.RefreshTokenExpiresIn);
        Assert.Equal("6912000", refreshed["refresh_token_expires_in"]);
    }

    [Fact]
    public async Task AbsoluteTtl_Passed_RefreshIsInvalidGrantRefreshTokenExpired()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RefreshAbsoluteTtl = TimeSpan.FromHours(1));
        var grant = await sim.GrantAsync();
        var token = (await sim.RefreshAsync(grant.RefreshToken!))["refresh_token"]!;

        sim.Clock.Advance(TimeSpan.FromHours(1));
        var reply = await sim.RefreshAsync(token);

        Assert.Equal("invalid_grant", reply.Error);
        Assert.Equal("refresh token expired", reply.ErrorDescription);
    }

    [Fact]
    public async Task WithoutAbsoluteTtl_ResponsesHaveNoRefreshTokenExpiresIn()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();

        Assert.DoesNotContain("refresh_token_expires_in", grant.ResponseJson, StringComparison.Ordinal);
        Assert.Null(grant.RefreshTokenExpiresIn);
    }

    [Fact]
    public async Task IdleTtl_Passed_RefreshIsInvalidGrantExpiredDueToInactivity()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RefreshIdleTtl = TimeSpan.FromDays(30));
        var grant = await sim.GrantAsync();

        sim.Clock.Advance(TimeSpan.FromDays(30));
        var reply = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("invalid_grant", reply.Error);
        Assert.Equal("refresh token expired due to inactivity", reply.ErrorDescription);
    }

    [Fact]
    public async Task IdleTtl_EachUseRestartsTheIdleClock_SoAKeepAliveKeepsTheGrantForever()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RefreshIdleTtl = TimeSpan.FromDays(30));
        var token = (await sim.GrantAsync()).RefreshToken!;

        for (var month = 0; month < 12; month++)
        {
            sim.Clock.Advance(TimeSpan.FromDays(29));
            var reply = await sim.RefreshAsync(token);
            Assert.Equal(HttpStatusCode.OK, reply.Status);
            token = reply["refresh_token"]!;
        }
    }

    [Fact]
    public async Task IdleTtl_WithRotationNone_IsMeasuredFromTheLastUseOfTheSameToken()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.RefreshIdleTtl, o.Rotation) = (TimeSpan.FromDays(30), Tokenkeeper.Simulator.RotationMode.None));
        var token = (await sim.GrantAsync()).RefreshToken!;

        sim.Clock.Advance(TimeSpan.FromDays(20));
        var used = await sim.RefreshAsync(token);
        sim.Clock.Advance(TimeSpan.FromDays(20));
        var stillAlive = await sim.RefreshAsync(token);
        sim.Clock.Advance(TimeSpan.FromDays(30));
        var expired = await sim.RefreshAsync(token);

        Assert.Equal(HttpStatusCode.OK, used.Status);
        Assert.Equal(HttpStatusCode.OK, stillAlive.Status);
        Assert.Equal("refresh token expired due to inactivity", expired.ErrorDescription);
    }

    [Fact]
    public async Task IdleExpiredGrant_IsListedAsExpired()
    {
        await using var sim = await SimHarness.StartAsync(o => o.RefreshIdleTtl = TimeSpan.FromDays(7));
        await sim.GrantAsync();

        sim.Clock.Advance(TimeSpan.FromDays(8));
        var listed = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0];

        Assert.Equal("expired", listed.GetProperty("status").GetString());
    }
}
