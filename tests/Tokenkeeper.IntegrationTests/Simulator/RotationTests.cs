using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class RotationTests
{
    [Fact]
    public async Task None_OmitsRefreshTokenFromRefreshResponses_AndTheOldOneKeepsWorking()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = RotationMode.None);
        var grant = await sim.GrantAsync();

        var first = await sim.RefreshAsync(grant.RefreshToken!);
        var second = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.False(first.Has("refresh_token"));
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.Equal(0, (await sim.StatsAsync()).GetProperty("refresh_token_reuse_attempts").GetInt64());
    }

    [Fact]
    public async Task Rotate_KillsTheOldTokenAtOnce_CountsReuse_AndLeavesTheGrantAlive()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = RotationMode.Rotate);
        var grant = await sim.GrantAsync();

        var rotated = await sim.RefreshAsync(grant.RefreshToken!);
        var reused = await sim.RefreshAsync(grant.RefreshToken!);
        var next = await sim.RefreshAsync(rotated["refresh_token"]!);

        Assert.NotEqual(grant.RefreshToken, rotated["refresh_token"]);
        Assert.Equal("invalid_grant", reused.Error);
        Assert.Equal(HttpStatusCode.OK, next.Status);
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        Assert.Equal(0, stats.GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task Grace_OldTokenWorksInsideTheWindow_AndTheNewerTokenStaysValid()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.Rotation, o.RotationGrace) = (RotationMode.Grace, TimeSpan.FromSeconds(30)));
        var grant = await sim.GrantAsync();
        var rotated = await sim.RefreshAsync(grant.RefreshToken!);

        sim.Clock.Advance(TimeSpan.FromSeconds(29));
        var retried = await sim.RefreshAsync(grant.RefreshToken!);
        var newer = await sim.RefreshAsync(rotated["refresh_token"]!);

        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.NotEqual(rotated["refresh_token"], retried["refresh_token"]);
        Assert.Equal(HttpStatusCode.OK, newer.Status);
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("reuse_within_grace").GetInt64());
        Assert.Equal(0, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
    }

    [Fact]
    public async Task Grace_OldTokenAfterTheWindow_IsInvalidGrantAndAReuseAttempt()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.Rotation, o.RotationGrace) = (RotationMode.Grace, TimeSpan.FromSeconds(30)));
        var grant = await sim.GrantAsync();
        var rotated = await sim.RefreshAsync(grant.RefreshToken!);

        sim.Clock.Advance(TimeSpan.FromSeconds(30));
        var late = await sim.RefreshAsync(grant.RefreshToken!);
        var current = await sim.RefreshAsync(rotated["refresh_token"]!);

        Assert.Equal("invalid_grant", late.Error);
        Assert.Equal(HttpStatusCode.OK, current.Status);
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        Assert.Equal(0, stats.GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task ReuseDetection_DeadTokenRevokesTheWholeFamily()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = RotationMode.ReuseDetection);
        var grant = await sim.GrantAsync();
        var rotated = await sim.RefreshAsync(grant.RefreshToken!);

        var reuse = await sim.RefreshAsync(grant.RefreshToken!);
        var newest = await sim.RefreshAsync(rotated["refresh_token"]!);
        var firstAccess = await sim.GetAsync("api/contacts?limit=1", grant.AccessToken);
        var latestAccess = await sim.GetAsync("api/contacts?limit=1", rotated["access_token"]);

        Assert.Equal("invalid_grant", reuse.Error);
        Assert.Equal("invalid_grant", newest.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, firstAccess.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, latestAccess.Status);
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("grants_revoked").GetInt64());
        Assert.Equal(1, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        var listed = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0];
        Assert.Equal("revoked", listed.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ReuseDetection_WithReuseInterval_ToleratesThePreviousTokenInsideTheInterval()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.Rotation, o.ReuseInterval) = (RotationMode.ReuseDetection, TimeSpan.FromSeconds(10)));
        var grant = await sim.GrantAsync();
        var rotated = await sim.RefreshAsync(grant.RefreshToken!);

        sim.Clock.Advance(TimeSpan.FromSeconds(5));
        var insideInterval = await sim.RefreshAsync(grant.RefreshToken!);
        var newer = await sim.RefreshAsync(rotated["refresh_token"]!);

        Assert.Equal(HttpStatusCode.OK, insideInterval.Status);
        Assert.Equal(HttpStatusCode.OK, newer.Status);
        var stats = await sim.StatsAsync();
        Assert.Equal(1, stats.GetProperty("reuse_within_grace").GetInt64());
        Assert.Equal(0, stats.GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task ReuseDetection_WithReuseInterval_RevokesAfterTheInterval()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.Rotation, o.ReuseInterval) = (RotationMode.ReuseDetection, TimeSpan.FromSeconds(10)));
        var grant = await sim.GrantAsync();
        await sim.RefreshAsync(grant.RefreshToken!);

        sim.Clock.Advance(TimeSpan.FromSeconds(10));
        var late = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("invalid_grant", late.Error);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task ReuseDetection_WithReuseInterval_TokenTwoGenerationsBack_RevokesEvenInsideTheInterval()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.Rotation, o.ReuseInterval) = (RotationMode.ReuseDetection, TimeSpan.FromSeconds(10)));
        var grant = await sim.GrantAsync();
        var second = await sim.RefreshAsync(grant.RefreshToken!);
        await sim.RefreshAsync(second["refresh_token"]!);

        var twoBack = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("invalid_grant", twoBack.Error);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("grants_revoked").GetInt64());
    }

    [Theory]
    [InlineData(RotationMode.Rotate)]
    [InlineData(RotationMode.ReuseDetection)]
    public async Task ConcurrentDoubleSpend_ExactlyOneRequestWinsTheRotation(RotationMode mode)
    {
        const int contenders = 24;
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = mode);
        var grant = await sim.GrantAsync();

        var replies = await Task.WhenAll(Enumerable.Range(0, contenders).Select(_ => Task.Run(() => sim.RefreshAsync(grant.RefreshToken!))));

        Assert.Equal(1, replies.Count(r => r.Status == HttpStatusCode.OK));
        Assert.Equal(contenders - 1, replies.Count(r => r.Error == "invalid_grant"));
        var stats = await sim.StatsAsync();
        Assert.Equal(contenders - 1, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        Assert.Equal(mode == RotationMode.ReuseDetection ? 1 : 0, stats.GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task ConcurrentDoubleSpend_UnderGrace_OneRotatesAndTheRestAreServedAsGraceReuse()
    {
        const int contenders = 16;
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = RotationMode.Grace);
        var grant = await sim.GrantAsync();

        var replies = await Task.WhenAll(Enumerable.Range(0, contenders).Select(_ => Task.Run(() => sim.RefreshAsync(grant.RefreshToken!))));

        Assert.All(replies, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(contenders, replies.Select(r => r["refresh_token"]).Distinct().Count());
        var stats = await sim.StatsAsync();
        Assert.Equal(contenders - 1, stats.GetProperty("reuse_within_grace").GetInt64());
        Assert.Equal(1, (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0].GetProperty("refresh_generation").GetInt32());
    }

    [Fact]
    public async Task Rotation_AdvancesTheGrantGeneration()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();
        var token = grant.RefreshToken!;

        for (var i = 0; i < 3; i++)
        {
            token = (await sim.RefreshAsync(token))["refresh_token"]!;
        }

        var listed = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants")[0];
        Assert.Equal(3, listed.GetProperty("refresh_generation").GetInt32());
        Assert.Equal(3, (await sim.StatsAsync()).GetProperty("refreshes_served").GetInt64());
    }
}
