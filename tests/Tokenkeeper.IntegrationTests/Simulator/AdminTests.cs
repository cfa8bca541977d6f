using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class AdminTests
{
    [Fact]
    public async Task SimGrants_Post_ReturnsATokenResponseWithGrantId()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.PostJsonAsync("sim/grants", """{"client_id":"demo-client","user":"test-user","scope":"contacts:read"}""");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("g-000001", reply["grant_id"]);
        Assert.Equal("contacts:read", reply["scope"]);
        Assert.True(reply.Has("refresh_token"));
        Assert.True(reply.Headers.CacheControl!.NoStore);
        Assert.Equal(HttpStatusCode.OK, (await sim.RefreshAsync(reply["refresh_token"]!)).Status);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("tokens_issued").GetProperty("sim_grant").GetInt64());
    }

    [Theory]
    [InlineData("""{"client_id":"nobody"}""", "invalid_client")]
    [InlineData("""{"client_id":"demo-client","scope":"admin"}""", "invalid_scope")]
    [InlineData("""["demo-client"]""", "invalid_request")]
    [InlineData("""{"client_id":""", "invalid_request")]
    public async Task SimGrants_Post_BadRequests_Are400WithAnOAuthError(string body, string error)
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.PostJsonAsync("sim/grants", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal(error, reply.Error);
    }

    [Fact]
    public async Task SimGrants_Get_ListsGrantsWithoutAnyTokenValue()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();
        var refreshed = await sim.RefreshAsync(grant.RefreshToken!);

        var reply = await sim.GetAsync("sim/grants");

        var listed = reply.Json.GetProperty("grants")[0];
        Assert.Equal(grant.GrantId, listed.GetProperty("id").GetString());
        Assert.Equal(SimHarness.ClientId, listed.GetProperty("client_id").GetString());
        Assert.Equal("test-user", listed.GetProperty("user").GetString());
        Assert.Equal(SimHarness.AllScopes, listed.GetProperty("scope").GetString());
        Assert.Equal("active", listed.GetProperty("status").GetString());
        Assert.Equal(1, listed.GetProperty("refresh_generation").GetInt32());
        Assert.Equal(sim.Clock.GetUtcNow(), listed.GetProperty("created_at").GetDateTimeOffset());
        Assert.Equal(sim.Clock.GetUtcNow(), listed.GetProperty("last_used_at").GetDateTimeOffset());
        foreach (var secret in new[] { grant.AccessToken, grant.RefreshToken!, refreshed["access_token"]!, refreshed["refresh_token"]! })
        {
            Assert.DoesNotContain(secret, reply.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SimGrantRevoke_RevokesRefreshAndAccessTokens_AndUnknownIs404()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();

        var revoke = await sim.PostJsonAsync($"sim/grants/{grant.GrantId}/revoke", string.Empty);
        var unknown = await sim.PostJsonAsync("sim/grants/g-999999/revoke", string.Empty);

        Assert.Equal(HttpStatusCode.OK, revoke.Status);
        Assert.Equal("revoked", revoke["status"]);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal("not_found", unknown.Error);
        Assert.Equal("invalid_grant", (await sim.RefreshAsync(grant.RefreshToken!)).Error);
        Assert.Equal(HttpStatusCode.Unauthorized, (await sim.GetAsync("api/contacts", grant.AccessToken)).Status);
        Assert.Equal(1, sim.Server.GetStats().GrantsRevoked);
    }

    [Fact]
    public async Task Server_RevokeGrantAndCreateGrant_MirrorTheHttpEndpoints()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.Server.CreateGrantAsync(SimHarness.ClientId, "test-user", "contacts:write");

        sim.Server.RevokeGrant(grant.GrantId);

        Assert.Equal("contacts:write", grant.Scope);
        Assert.Equal(TimeSpan.FromHours(1), grant.AccessTokenLifetime);
        Assert.Contains("\"grant_id\":\"" + grant.GrantId + "\"", grant.ResponseJson, StringComparison.Ordinal);
        Assert.Equal("invalid_grant", (await sim.RefreshAsync(grant.RefreshToken!)).Error);
        Assert.Throws<KeyNotFoundException>(() => sim.Server.RevokeGrant("g-424242"));
        await Assert.ThrowsAsync<ArgumentException>(() => sim.Server.CreateGrantAsync("nobody", "test-user", string.Empty));
        await Assert.ThrowsAsync<ArgumentException>(() => sim.Server.CreateGrantAsync(SimHarness.ClientId, "test-user", "admin"));
    }

    [Fact]
    public async Task Stats_TypedAndJson_AgreeAndHaveEveryKey()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();
        await sim.RefreshAsync(grant.RefreshToken!);
        await sim.RefreshAsync(grant.RefreshToken!);
        await sim.ClientCredentialsAsync();

        var json = await sim.StatsAsync();
        var typed = sim.Server.GetStats();

        Assert.Equal(3, typed.TokensIssuedTotal);
        Assert.Equal(typed.TokensIssuedTotal, json.GetProperty("tokens_issued").GetProperty("total").GetInt64());
        Assert.Equal(1, typed.TokensIssued["client_credentials"]);
        Assert.Equal(1, typed.RefreshTokenReuseAttempts);
        Assert.Equal(1, typed.InvalidGrantServed);
        Assert.Equal(3, typed.TokenRequests);
        Assert.Equal(1, typed.RefreshesServed);
        foreach (var key in new[]
        {
            "tokens_issued", "refresh_token_reuse_attempts", "reuse_within_grace", "grants_revoked", "unauthorized_served",
            "forbidden_served", "rate_limited_served", "faults_injected", "contacts_received", "contacts_stored_distinct",
            "duplicate_writes_absorbed", "api_requests", "token_requests", "refreshes_served", "tokens_revoked_randomly",
            "invalid_grant_served", "internal_errors", "spent_refresh_tokens_presented", "token_responses_held",
        })
        {
            Assert.True(json.TryGetProperty(key, out _), key);
        }
    }

    [Fact]
    public async Task Reset_ClearsGrantsTokensContactsAndStats_ButKeepsTheDials()
    {
        await using var sim = await SimHarness.StartAsync(o => o.AccessTtl = TimeSpan.FromMinutes(7));
        var grant = await sim.GrantAsync();
        await sim.PostJsonAsync("api/contacts/batch", """[{"id":"a"}]""", grant.AccessToken, "k1");

        var reset = await sim.PostJsonAsync("sim/reset", string.Empty);
        var stats = await sim.StatsAsync();
        var api = await sim.GetAsync("api/contacts", grant.AccessToken);
        var refresh = await sim.RefreshAsync(grant.RefreshToken!);
        var fresh = await sim.GrantAsync();

        Assert.Equal(HttpStatusCode.OK, reset.Status);
        Assert.Equal(0, stats.GetProperty("tokens_issued").GetProperty("total").GetInt64());
        Assert.Equal(0, stats.GetProperty("contacts_stored_distinct").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, api.Status);
        Assert.Equal("invalid_grant", refresh.Error);
        Assert.Equal("g-000001", fresh.GrantId);
        Assert.Equal(TimeSpan.FromMinutes(7), fresh.AccessTokenLifetime);
        Assert.Equal(1, (await sim.GetAsync("sim/grants")).Json.GetProperty("grants").GetArrayLength());
    }

    [Fact]
    public async Task Dials_Get_ReturnsEveryDialAsTheFlagsWriteIt()
    {
        await using var sim = await SimHarness.StartAsync(o =>
        {
            o.Rotation = RotationMode.Grace;
            o.RotationGrace = TimeSpan.FromSeconds(30);
            o.RateLimitCount = 10;
            o.RefreshAbsoluteTtl = TimeSpan.FromDays(90);
        });

        var dials = await sim.GetAsync("sim/dials");

        Assert.Equal("1h", dials["access_ttl"]);
        Assert.Equal("grace:30s", dials["rotation"]);
        Assert.Equal("10/1m", dials["rate_limit"]);
        Assert.Equal("90d", dials["refresh_absolute_ttl"]);
        Assert.Equal("null", dials["refresh_idle_ttl"]);
        Assert.Equal("number", dials["expires_in"]);
        Assert.Equal("0", dials["fault_rate"]);
        Assert.Equal("0s", dials["token_delay"]);
        Assert.Equal("true", dials["introspection_enabled"]);
        Assert.Equal("generic", dials["personality"]);
    }

    [Fact]
    public async Task Dials_Post_ChangesDialsAtRuntime()
    {
        await using var sim = await SimHarness.StartAsync();

        var changed = await sim.PostJsonAsync("sim/dials", """{"fault_rate":1,"faults":["503"],"access_ttl":"5m","rotation":"reuse-detection","rate_limit":"100/1s"}""");
        var during = await sim.ClientCredentialsAsync();
        await sim.PostJsonAsync("sim/dials", """{"fault_rate":0}""");
        var after = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.OK, changed.Status);
        Assert.Equal("reuse-detection", changed["rotation"]);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.Status);
        Assert.Equal("300", after["expires_in"]);
        Assert.Equal(RotationMode.ReuseDetection, sim.Options.Rotation);
        Assert.Equal(100, sim.Options.RateLimitCount);
        Assert.Equal(TimeSpan.FromSeconds(1), sim.Options.RateLimitWindow);
    }

    [Theory]
    [InlineData("""{"access_ttl":"5m","fault_rate":7}""")]
    [InlineData("""{"access_ttl":"5m","no_such_dial":1}""")]
    [InlineData("""{"access_ttl":"5m","fault_rate":0.5}""")]
    [InlineData("""{"access_ttl":"5 minutes"}""")]
    [InlineData("""{"access_ttl":"5m","rotation":"sometimes"}""")]
    [InlineData("""{"access_ttl":"10675199d"}""")]
    [InlineData("""{"clock_skew":1e300}""")]
    [InlineData("""[1,2]""")]
    public async Task Dials_Post_InvalidChangesAre400AndChangeNothing(string body)
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.PostJsonAsync("sim/dials", body);

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_request", reply.Error);
        Assert.Equal(TimeSpan.FromHours(1), sim.Options.AccessTtl);
        Assert.Equal(0, sim.Options.FaultRate);
    }

    [Fact]
    public async Task Dials_Post_AcceptsDurationsInSecondsAndNullToSwitchOff()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.RefreshIdleTtl, o.RateLimitCount) = (TimeSpan.FromDays(1), 5));

        var reply = await sim.PostJsonAsync("sim/dials", """{"access_ttl":90,"refresh_idle_ttl":null,"rate_limit":null,"clock_skew":"-30s","faults":"503,delay:1s"}""");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(TimeSpan.FromSeconds(90), sim.Options.AccessTtl);
        Assert.Null(sim.Options.RefreshIdleTtl);
        Assert.Null(sim.Options.RateLimitCount);
        Assert.Equal(TimeSpan.FromSeconds(-30), sim.Options.ClockSkew);
        Assert.Equal(["503", "delay:1s"], sim.Options.Faults);
    }

    [Fact]
    public async Task Index_ListsTheEndpoints()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync(string.Empty);

        var endpoints = reply.Json.GetProperty("endpoints").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("/oauth/token", endpoints);
        Assert.Contains("/sim/grants/{id}/revoke", endpoints);
    }
}
