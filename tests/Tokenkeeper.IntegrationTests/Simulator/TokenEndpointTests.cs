using System.Net;
using System.Net.Http.Headers;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class TokenEndpointTests
{
    [Fact]
    public async Task ClientCredentials_WithBasicAuth_ReturnsBearerTokenWithNoStoreHeaders()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal("Bearer", reply["token_type"]);
        Assert.Equal("3600", reply["expires_in"]);
        Assert.Equal(SimHarness.AllScopes, reply["scope"]);
        Assert.False(reply.Has("refresh_token"));
        Assert.True(reply["access_token"]!.Length >= 43);
        Assert.True(reply.Headers.CacheControl!.NoStore);
        Assert.Contains("no-cache", reply.Headers.Pragma.Select(p => p.Name));
    }

    [Fact]
    public async Task ClientCredentials_WithClientSecretPost_IsAccepted()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenWithAsync(null, ("grant_type", "client_credentials"), ("client_id", SimHarness.ClientId), ("client_secret", SimHarness.ClientSecret));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task BasicAuth_FormUrlEncodesIdAndSecretBeforeBase64()
    {
        const string id = "client with:colon";
        const string secret = "p@ss word+/:%";
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = id, ClientSecret = secret }));

        var reply = await sim.TokenWithAsync(SimHarness.Basic(id, secret), ("grant_type", "client_credentials"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task WrongSecret_WithBasicAuth_Is401InvalidClientWithBasicChallenge()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenWithAsync(SimHarness.Basic(SimHarness.ClientId, "wrong"), ("grant_type", "client_credentials"));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("invalid_client", reply.Error);
        Assert.Equal("Basic", reply.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task WrongSecret_WithClientSecretPost_IsInvalidClientWithoutBasicChallenge()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenWithAsync(null, ("grant_type", "client_credentials"), ("client_id", SimHarness.ClientId), ("client_secret", "wrong"));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("invalid_client", reply.Error);
        Assert.Empty(reply.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task TwoAuthenticationMethods_InOneRequest_IsInvalidRequest()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenWithAsync(SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret), ("grant_type", "client_credentials"), ("client_id", SimHarness.ClientId), ("client_secret", SimHarness.ClientSecret));

        Assert.Equal("invalid_request", reply.Error);
    }

    [Fact]
    public async Task UnknownGrantType_IsUnsupportedGrantType()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenAsync(("grant_type", "password"));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("unsupported_grant_type", reply.Error);
    }

    [Fact]
    public async Task MissingGrantType_IsInvalidRequest()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenAsync(("scope", "contacts:read"));

        Assert.Equal("invalid_request", reply.Error);
    }

    [Fact]
    public async Task GrantTypeTheClientMayNotUse_IsUnauthorizedClient()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients[0].GrantTypes = [SimulatorGrantTypes.RefreshToken]);

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal("unauthorized_client", reply.Error);
    }

    [Fact]
    public async Task ClientCredentials_ForAPublicClient_IsUnauthorizedClient()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = "spa" }));

        var reply = await sim.TokenWithAsync(null, ("grant_type", "client_credentials"), ("client_id", "spa"));

        Assert.Equal("unauthorized_client", reply.Error);
    }

    [Fact]
    public async Task Scope_NarrowerThanAllowed_IsGrantedAsAsked()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.ClientCredentialsAsync("contacts:read");

        Assert.Equal("contacts:read", reply["scope"]);
    }

    [Fact]
    public async Task Scope_BeyondAllowed_IsInvalidScope()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.ClientCredentialsAsync("contacts:read admin");

        Assert.Equal("invalid_scope", reply.Error);
    }

    [Fact]
    public async Task Refresh_WithSmallerScope_IssuesNarrowerAccessTokenAndKeepsGrantScope()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();

        var narrowed = await sim.RefreshAsync(grant.RefreshToken!, "contacts:read");
        var widened = await sim.RefreshAsync(narrowed["refresh_token"]!);

        Assert.Equal("contacts:read", narrowed["scope"]);
        Assert.Equal(SimHarness.AllScopes, widened["scope"]);
    }

    [Fact]
    public async Task Refresh_WithLargerScope_IsInvalidScope()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync("contacts:read");

        var reply = await sim.RefreshAsync(grant.RefreshToken!, "contacts:read contacts:write");

        Assert.Equal("invalid_scope", reply.Error);
    }

    [Fact]
    public async Task Refresh_WithTokenOfAnotherClient_IsInvalidGrant()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = "other", ClientSecret = "s" }));
        var grant = await sim.GrantAsync();

        var reply = await sim.TokenWithAsync(SimHarness.Basic("other", "s"), ("grant_type", "refresh_token"), ("refresh_token", grant.RefreshToken!));

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task EveryTokenResponse_CarriesDateFromTheSimulatorClock()
    {
        await using var sim = await SimHarness.StartAsync();
        sim.Clock.Advance(TimeSpan.FromDays(40));

        var ok = await sim.ClientCredentialsAsync();
        var refused = await sim.TokenAsync(("grant_type", "nope"));

        Assert.Equal(sim.Clock.GetUtcNow(), ok.Headers.Date);
        Assert.Equal(sim.Clock.GetUtcNow(), refused.Headers.Date);
    }

    [Fact]
    public async Task ExpiresInString_SendsTheLifetimeAsAString()
    {
        await using var sim = await SimHarness.StartAsync(o => (o.ExpiresIn, o.AccessTtl) = (ExpiresInStyle.String, TimeSpan.FromMinutes(5)));

        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(System.Text.Json.JsonValueKind.String, reply.Json.GetProperty("expires_in").ValueKind);
        Assert.Equal("300", reply["expires_in"]);
    }

    [Fact]
    public async Task AccessToken_DiesAfterAccessTtl_OnTheServer()
    {
        await using var sim = await SimHarness.StartAsync(o => o.AccessTtl = TimeSpan.FromSeconds(30));
        var token = (await sim.ClientCredentialsAsync())["access_token"]!;

        var before = await sim.GetAsync("api/contacts?limit=1", token);
        sim.Clock.Advance(TimeSpan.FromSeconds(30));
        var after = await sim.GetAsync("api/contacts?limit=1", token);

        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, after.Status);
        Assert.Equal("invalid_token", after.Error);
    }

    [Fact]
    public async Task OpaqueTokens_AreUrlSafeAndDistinct()
    {
        await using var sim = await SimHarness.StartAsync();

        var tokens = new HashSet<string>();
        for (var i = 0; i < 20; i++)
        {
            tokens.Add((await sim.ClientCredentialsAsync())["access_token"]!);
        }

        Assert.Equal(20, tokens.Count);
        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]{43,}$", t));
    }

    [Fact]
    public async Task NoneMethodForConfidentialClient_IsInvalidClient()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenWithAsync(null, ("grant_type", "client_credentials"), ("client_id", SimHarness.ClientId));

        Assert.Equal("invalid_client", reply.Error);
    }

    [Fact]
    public async Task UnknownClient_IsInvalidClient()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.TokenWithAsync(new AuthenticationHeaderValue("Basic", "bm9ib2R5OnNlY3JldA=="), ("grant_type", "client_credentials"));

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
        Assert.Equal("invalid_client", reply.Error);
    }
}
