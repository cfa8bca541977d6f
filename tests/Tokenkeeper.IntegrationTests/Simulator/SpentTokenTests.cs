using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary><c>spent_refresh_tokens_presented</c>, in <c>/sim/stats</c> and per grant in <c>/sim/grants</c>.</summary>
public sealed class SpentTokenTests
{
    [Fact]
    public async Task SpentCounter_CountsToleratedAndRefusedPresentations_AndNothingElse()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.Rotation, o.RotationGrace) = (RotationMode.Grace, TimeSpan.FromMinutes(1)));
        var grant = await sim.GrantAsync();
        var untouched = await sim.GrantAsync();

        var rotated = await sim.RefreshAsync(grant.RefreshToken!);
        var tolerated = await sim.RefreshAsync(grant.RefreshToken!);
        var wrongSecret = await sim.TokenWithAsync(SimHarness.Basic(SimHarness.ClientId, "nope"), ("grant_type", "refresh_token"), ("refresh_token", grant.RefreshToken!));
        sim.Clock.Advance(TimeSpan.FromMinutes(2));
        var refused = await sim.RefreshAsync(grant.RefreshToken!);
        var live = await sim.RefreshAsync(rotated["refresh_token"]!);
        var other = await sim.RefreshAsync(untouched.RefreshToken!);
        var unknown = await sim.RefreshAsync("never-issued");
        await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        Assert.Equal(HttpStatusCode.OK, tolerated.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.Status);
        Assert.Equal("invalid_grant", refused.Error);
        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.Equal(HttpStatusCode.OK, other.Status);
        Assert.Equal("invalid_grant", unknown.Error);
        var stats = await sim.StatsAsync();
        Assert.Equal(2, stats.GetProperty("spent_refresh_tokens_presented").GetInt64());
        Assert.Equal(1, stats.GetProperty("reuse_within_grace").GetInt64());
        Assert.Equal(1, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        Assert.Equal(2, await SpentOnGrantAsync(sim, grant.GrantId));
        Assert.Equal(0, await SpentOnGrantAsync(sim, untouched.GrantId));
        Assert.Equal(2, sim.Server.GetStats().SpentRefreshTokensPresented);
    }

    [Fact]
    public async Task SpentCounter_OnARevokedGrant_CountsEveryRotatedTokenButNotTheLiveOne()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = RotationMode.ReuseDetection);
        var grant = await sim.GrantAsync();
        var rotated = await sim.RefreshAsync(grant.RefreshToken!);

        var detected = await sim.RefreshAsync(grant.RefreshToken!);
        var again = await sim.RefreshAsync(grant.RefreshToken!);
        var liveOfRevoked = await sim.RefreshAsync(rotated["refresh_token"]!);

        Assert.Equal("refresh token reuse detected; the grant has been revoked", detected.ErrorDescription);
        Assert.Equal("refresh token has been revoked", again.ErrorDescription);
        Assert.Equal("refresh token has been revoked", liveOfRevoked.ErrorDescription);
        var stats = await sim.StatsAsync();
        Assert.Equal(2, stats.GetProperty("spent_refresh_tokens_presented").GetInt64());
        Assert.Equal(2, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        Assert.Equal(2, await SpentOnGrantAsync(sim, grant.GrantId));
    }

    [Fact]
    public async Task SpentCounter_CountsARotatedTokenRefusedForAnyOtherReason()
    {
        await using var sim = await SimHarness.StartAsync(o =>
        {
            o.RefreshAbsoluteTtl = TimeSpan.FromHours(1);
            o.Clients.Add(new SimulatorClient { ClientId = "other", ClientSecret = "other-secret" });
        });
        var grant = await sim.GrantAsync();
        await sim.RefreshAsync(grant.RefreshToken!);

        var badScope = await sim.RefreshAsync(grant.RefreshToken!, "contacts:admin");
        var otherClient = await sim.TokenWithAsync(SimHarness.Basic("other", "other-secret"), ("grant_type", "refresh_token"), ("refresh_token", grant.RefreshToken!));
        sim.Clock.Advance(TimeSpan.FromHours(1));
        var expired = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("invalid_scope", badScope.Error);
        Assert.Equal("refresh token was issued to another client", otherClient.ErrorDescription);
        Assert.Equal("refresh token expired", expired.ErrorDescription);
        var stats = await sim.StatsAsync();
        Assert.Equal(3, stats.GetProperty("spent_refresh_tokens_presented").GetInt64());
        Assert.Equal(0, stats.GetProperty("refresh_token_reuse_attempts").GetInt64());
        Assert.Equal(3, await SpentOnGrantAsync(sim, grant.GrantId));
    }

    [Fact]
    public async Task SpentCounter_ConcurrentDoubleSpend_CountsEveryLoserOnce()
    {
        const int contenders = 16;
        await using var sim = await SimHarness.StartAsync(o => o.Rotation = RotationMode.Grace);
        var grant = await sim.GrantAsync();

        await Task.WhenAll(Enumerable.Range(0, contenders).Select(_ => Task.Run(() => sim.RefreshAsync(grant.RefreshToken!))));

        var stats = await sim.StatsAsync();
        Assert.Equal(contenders - 1, stats.GetProperty("spent_refresh_tokens_presented").GetInt64());
        Assert.Equal(contenders - 1, stats.GetProperty("reuse_within_grace").GetInt64());
        Assert.Equal(contenders - 1, await SpentOnGrantAsync(sim, grant.GrantId));
    }

    private static async Task<long> SpentOnGrantAsync(SimHarness sim, string grantId)
    {
        var grants = (await sim.GetAsync("sim/grants")).Json.GetProperty("grants").EnumerateArray();
        return grants.Single(g => g.GetProperty("id").GetString() == grantId).GetProperty("spent_refresh_tokens_presented").GetInt64();
    }
}
