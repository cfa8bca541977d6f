using System.Globalization;
using System.Net;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class PersonalityTests
{
    [Fact]
    public async Task Salesforce_OmitsExpiresIn_SendsIssuedAtInstanceUrlIdSignature_AndNoRotation()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("salesforce"));
        var grant = await sim.GrantAsync();

        var refreshed = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.False(refreshed.Has("expires_in"));
        Assert.Equal(sim.Clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), refreshed["issued_at"]);
        Assert.Equal(System.Text.Json.JsonValueKind.String, refreshed.Json.GetProperty("issued_at").ValueKind);
        Assert.Equal(sim.Server.BaseAddress.ToString().TrimEnd('/'), refreshed["instance_url"]);
        Assert.StartsWith(refreshed["instance_url"] + "/id/", refreshed["id"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(refreshed["signature"]));
        Assert.False(refreshed.Has("refresh_token"));
        Assert.Equal(TimeSpan.FromDays(30), sim.Options.RefreshIdleTtl);
    }

    [Fact]
    public async Task Salesforce_TokenStillDiesAfterTheSessionTimeout_WithInvalidSessionIdBody()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("salesforce"));
        var grant = await sim.GrantAsync();

        sim.Clock.Advance(TimeSpan.FromHours(2));
        var reply = await sim.GetAsync("api/contacts?limit=1", grant.AccessToken);

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        var error = reply.Json[0];
        Assert.Equal("INVALID_SESSION_ID", error.GetProperty("errorCode").GetString());
        Assert.Equal("Session expired or invalid", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task HubSpot_Issues30MinuteTokens_AndAddsBadRefreshTokenToInvalidGrant()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("hubspot"));
        var grant = await sim.GrantAsync();

        var refreshed = await sim.RefreshAsync(grant.RefreshToken!);
        var bad = await sim.RefreshAsync("not-a-token");

        Assert.Equal("1800", refreshed["expires_in"]);
        Assert.False(refreshed.Has("refresh_token"));
        Assert.Equal("invalid_grant", bad.Error);
        Assert.Equal("BAD_REFRESH_TOKEN", bad["status"]);
    }

    [Fact]
    public async Task ZendeskSell_IssuesOneHourTokens_AndRotates()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("zendesk-sell"));
        var grant = await sim.GrantAsync();

        var refreshed = await sim.RefreshAsync(grant.RefreshToken!);
        var reused = await sim.RefreshAsync(grant.RefreshToken!);

        Assert.Equal("3600", refreshed["expires_in"]);
        Assert.True(refreshed.Has("refresh_token"));
        Assert.Equal("invalid_grant", reused.Error);
    }

    [Fact]
    public async Task Genesys_IsClientCredentialsOnly_WithJwtTokens()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("genesys"));

        var token = await sim.ClientCredentialsAsync();
        var grant = await sim.GrantAsync();
        var refresh = await sim.RefreshAsync("anything");

        Assert.Equal(HttpStatusCode.OK, token.Status);
        Assert.Equal(3, token["access_token"]!.Split('.').Length);
        Assert.Equal(SimHarness.ClientId, TestJwt.Payload(token["access_token"]!).GetProperty("sub").GetString());
        Assert.Equal("86400", token["expires_in"]);
        Assert.Null(grant.RefreshToken);
        Assert.Equal("unauthorized_client", refresh.Error);
    }

    [Fact]
    public async Task Xero_Issues30MinuteTokens_WithA30MinuteGraceAnd60DayIdleLimit()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("xero"));
        var grant = await sim.GrantAsync();
        var rotated = await sim.RefreshAsync(grant.RefreshToken!);

        sim.Clock.Advance(TimeSpan.FromMinutes(29));
        var insideGrace = await sim.RefreshAsync(grant.RefreshToken!);
        sim.Clock.Advance(TimeSpan.FromMinutes(2));
        var afterGrace = await sim.RefreshAsync(grant.RefreshToken!);
        sim.Clock.Advance(TimeSpan.FromDays(60));
        var idle = await sim.RefreshAsync(rotated["refresh_token"]!);

        Assert.Equal("1800", rotated["expires_in"]);
        Assert.Equal(HttpStatusCode.OK, insideGrace.Status);
        Assert.Equal("invalid_grant", afterGrace.Error);
        Assert.Equal("refresh token expired due to inactivity", idle.ErrorDescription);
    }

    [Fact]
    public async Task Slack_AnswersAuthFailuresAsHttp200OkFalse()
    {
        await using var sim = await SimHarness.StartAsync(SimulatorOptions.ForPersonality("slack"));
        var grant = await sim.GrantAsync("contacts:read");
        var revoked = (await sim.ClientCredentialsAsync())["access_token"]!;
        await sim.PostFormAsync("oauth/revoke", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret), ("token", revoked));

        var scope = await sim.PostJsonAsync("api/contacts/batch", """[{"id":"a"}]""", grant.AccessToken);
        var unknown = await sim.GetAsync("api/contacts", "made-up");
        var missing = await sim.GetAsync("api/contacts");
        var wasRevoked = await sim.GetAsync("api/contacts", revoked);
        sim.Clock.Advance(TimeSpan.FromHours(12));
        var expired = await sim.GetAsync("api/contacts", grant.AccessToken);

        Assert.Equal("43200", (await sim.ClientCredentialsAsync())["expires_in"]);
        Assert.All(new[] { scope, unknown, missing, wasRevoked, expired }, r =>
        {
            Assert.Equal(HttpStatusCode.OK, r.Status);
            Assert.Equal("false", r["ok"]);
        });
        Assert.Equal("missing_scope", scope.Error);
        Assert.Equal("invalid_auth", unknown.Error);
        Assert.Equal("not_authed", missing.Error);
        Assert.Equal("token_revoked", wasRevoked.Error);
        Assert.Equal("token_expired", expired.Error);
        Assert.Equal(4, (await sim.StatsAsync()).GetProperty("unauthorized_served").GetInt64());
    }

    [Fact]
    public void Generic_IsTheDefaults()
    {
        var generic = SimulatorOptions.ForPersonality("generic");
        var defaults = new SimulatorOptions();

        Assert.Equal(defaults.AccessTtl, generic.AccessTtl);
        Assert.Equal(defaults.Rotation, generic.Rotation);
        Assert.Equal(defaults.ExpiresIn, generic.ExpiresIn);
        Assert.Equal("generic", generic.Personality);
    }

    [Fact]
    public void ForPersonality_UnknownName_ThrowsListingTheValidOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => SimulatorOptions.ForPersonality("myspace"));

        foreach (var name in SimulatorOptions.Personalities)
        {
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ForPersonality_IsCaseInsensitive()
    {
        Assert.Equal(ExpiresInStyle.Omit, SimulatorOptions.ForPersonality("SalesForce").ExpiresIn);
    }
}
