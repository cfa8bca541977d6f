using System.Net;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class RevocationAndIntrospectionTests
{
    private static readonly System.Net.Http.Headers.AuthenticationHeaderValue Demo = SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret);

    [Fact]
    public async Task RevokingARefreshToken_RevokesTheGrantAndItsAccessTokens()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();

        var revoke = await sim.PostFormAsync("oauth/revoke", Demo, ("token", grant.RefreshToken!), ("token_type_hint", "refresh_token"));
        var refresh = await sim.RefreshAsync(grant.RefreshToken!);
        var api = await sim.GetAsync("api/contacts?limit=1", grant.AccessToken);

        Assert.Equal(HttpStatusCode.OK, revoke.Status);
        Assert.Equal("invalid_grant", refresh.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, api.Status);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task RevokingAnAccessToken_LeavesTheRefreshTokenUsable()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();

        await sim.PostFormAsync("oauth/revoke", Demo, ("token", grant.AccessToken));
        var api = await sim.GetAsync("api/contacts?limit=1", grant.AccessToken);
        var refresh = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal(HttpStatusCode.Unauthorized, api.Status);
        Assert.Equal(HttpStatusCode.OK, refresh.Status);
    }

    [Fact]
    public async Task RevokingAnUnknownToken_Is200()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.PostFormAsync("oauth/revoke", Demo, ("token", "never-issued"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task Revocation_WithoutClientAuthentication_IsInvalidClient()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.PostFormAsync("oauth/revoke", null, ("token", "x"));

        Assert.Equal("invalid_client", reply.Error);
    }

    [Fact]
    public async Task Introspection_ReportsAnActiveAccessTokenThenInactiveAfterExpiry()
    {
        await using var sim = await SimHarness.StartAsync(o => o.AccessTtl = TimeSpan.FromMinutes(1));
        var grant = await sim.GrantAsync("contacts:read");

        var active = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.AccessToken));
        sim.Clock.Advance(TimeSpan.FromMinutes(1));
        var inactive = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.AccessToken));

        Assert.Equal("true", active["active"]);
        Assert.Equal("contacts:read", active["scope"]);
        Assert.Equal(SimHarness.ClientId, active["client_id"]);
        Assert.Equal("Bearer", active["token_type"]);
        Assert.Equal(grant.GrantId, active["grant_id"]);
        Assert.Equal(sim.Clock.GetUtcNow().ToUnixTimeSeconds(), active.Json.GetProperty("exp").GetInt64());
        Assert.Equal("false", inactive["active"]);
        Assert.Single(inactive.Json.EnumerateObject());
    }

    [Fact]
    public async Task Introspection_OfARotatedRefreshToken_IsInactive()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();
        var before = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.RefreshToken!));

        await sim.RefreshAsync(grant.RefreshToken!);
        var after = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.RefreshToken!));

        Assert.Equal("true", before["active"]);
        Assert.Equal("refresh_token", before["token_type"]);
        Assert.Equal("false", after["active"]);
    }

    [Fact]
    public async Task Discovery_AdvertisesEveryEndpointAndMethod()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync(".well-known/oauth-authorization-server");

        var root = sim.Server.BaseAddress.ToString().TrimEnd('/');
        Assert.Equal(root, reply["issuer"]);
        Assert.Equal(sim.Server.TokenEndpoint.ToString(), reply["token_endpoint"]);
        Assert.Equal(root + "/oauth/authorize", reply["authorization_endpoint"]);
        Assert.Equal(root + "/oauth/revoke", reply["revocation_endpoint"]);
        Assert.Equal(root + "/oauth/introspect", reply["introspection_endpoint"]);
        Assert.Contains("S256", reply.Json.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("private_key_jwt", reply.Json.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("none", reply.Json.GetProperty("revocation_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            ["client_secret_basic", "client_secret_post", "private_key_jwt"],
            reply.Json.GetProperty("introspection_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(5, reply.Json.GetProperty("grant_types_supported").GetArrayLength());
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", reply.Json.GetProperty("grant_types_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(root + "/oauth/device_authorization", reply["device_authorization_endpoint"]);
    }
}
