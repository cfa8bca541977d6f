using System.Net;
using System.Net.Http.Headers;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>Who may introspect what (RFC 7662 §2.1), and how client-authentication failures are answered (§2.3).</summary>
public sealed class IntrospectionAuthTests
{
    private const string BasicChallenge = "Basic realm=\"tokenkeeper-simulator\"";
    private static readonly AuthenticationHeaderValue Demo = SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret);

    [Fact]
    public async Task Introspection_ByAPublicClient_Is401InvalidClient_ButItMayStillRevokeItsOwnTokens()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = "spa", RedirectUris = ["http://127.0.0.1:5173/cb"] }));
        var demo = await sim.GrantAsync();
        var spa = await sim.Server.CreateGrantAsync("spa", "test-user", string.Empty);

        var othersToken = await sim.PostFormAsync("oauth/introspect", null, ("client_id", "spa"), ("token", demo.AccessToken));
        var ownToken = await sim.PostFormAsync("oauth/introspect", null, ("client_id", "spa"), ("token", spa.AccessToken));
        var revokeOthers = await sim.PostFormAsync("oauth/revoke", null, ("client_id", "spa"), ("token", demo.AccessToken));
        var revokeOwn = await sim.PostFormAsync("oauth/revoke", null, ("client_id", "spa"), ("token", spa.RefreshToken!));
        var refreshAfter = await sim.TokenWithAsync(null, ("grant_type", "refresh_token"), ("client_id", "spa"), ("refresh_token", spa.RefreshToken!));

        foreach (var refused in new[] { othersToken, ownToken })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.Status);
            Assert.Equal("invalid_client", refused.Error);
            Assert.Equal(BasicChallenge, refused.Headers.WwwAuthenticate.ToString());
            Assert.False(refused.Has("active"));
        }

        Assert.Equal("unauthorized_client", revokeOthers.Error);
        Assert.Equal(HttpStatusCode.OK, (await sim.GetAsync("api/contacts?limit=1", demo.AccessToken)).Status);
        Assert.Equal(HttpStatusCode.OK, revokeOwn.Status);
        Assert.Equal("refresh token has been revoked", refreshAfter.ErrorDescription);
    }

    [Fact]
    public async Task Introspection_ByAnotherConfidentialClient_SeesAccessTokensButNotRefreshTokens()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = "resource-server", ClientSecret = "rs-secret" }));
        var grant = await sim.GrantAsync();
        var other = SimHarness.Basic("resource-server", "rs-secret");

        var access = await sim.PostFormAsync("oauth/introspect", other, ("token", grant.AccessToken));
        var refresh = await sim.PostFormAsync("oauth/introspect", other, ("token", grant.RefreshToken!), ("token_type_hint", "refresh_token"));
        var refreshByPost = await sim.PostFormAsync("oauth/introspect", null, ("client_id", "resource-server"), ("client_secret", "rs-secret"), ("token", grant.RefreshToken!));
        var own = await sim.PostFormAsync("oauth/introspect", Demo, ("token", grant.RefreshToken!));

        Assert.Equal("true", access["active"]);
        Assert.Equal(SimHarness.ClientId, access["client_id"]);
        Assert.Equal(grant.GrantId, access["grant_id"]);
        foreach (var hidden in new[] { refresh, refreshByPost })
        {
            Assert.Equal(HttpStatusCode.OK, hidden.Status);
            Assert.Equal("false", hidden["active"]);
            Assert.Single(hidden.Json.EnumerateObject());
        }

        Assert.Equal("true", own["active"]);
        Assert.Equal("refresh_token", own["token_type"]);
    }

    [Theory]
    [InlineData("wrong form secret", "client_id=demo-client&client_secret=nope")]
    [InlineData("unknown client in the form", "client_id=nobody&client_secret=x")]
    [InlineData("no client authentication", "")]
    [InlineData("confidential client without its secret", "client_id=demo-client")]
    [InlineData("bad client assertion", "client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c")]
    [InlineData("wrong client_assertion_type", "client_assertion_type=urn%3Aexample&client_assertion=a.b.c")]
    public async Task Introspection_EveryClientAuthenticationFailure_Is401WithABasicChallenge(string name, string credentials)
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "oauth/introspect")
        {
            Content = new StringContent($"token={grant.AccessToken}{(credentials.Length == 0 ? string.Empty : "&" + credentials)}"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");

        var reply = await sim.SendAsync(request);

        Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{name}: {reply}");
        Assert.Equal("invalid_client", reply.Error);
        Assert.Equal(BasicChallenge, reply.Headers.WwwAuthenticate.ToString());
        Assert.Equal(0, sim.Server.GetStats().InternalErrors);
    }

    [Fact]
    public async Task WrongFormSecret_Is401AtIntrospection_But400AtTheTokenAndRevocationEndpoints()
    {
        await using var sim = await SimHarness.StartAsync();
        var grant = await sim.GrantAsync();
        (string, string)[] wrong = [("client_id", SimHarness.ClientId), ("client_secret", "nope")];

        var introspect = await sim.PostFormAsync("oauth/introspect", null, [.. wrong, ("token", grant.AccessToken)]);
        var revoke = await sim.PostFormAsync("oauth/revoke", null, [.. wrong, ("token", grant.AccessToken)]);
        var token = await sim.TokenWithAsync(null, [.. wrong, ("grant_type", "client_credentials")]);
        var basic = await sim.PostFormAsync("oauth/introspect", SimHarness.Basic(SimHarness.ClientId, "nope"), ("token", grant.AccessToken));

        Assert.Equal(HttpStatusCode.Unauthorized, introspect.Status);
        Assert.Equal(BasicChallenge, introspect.Headers.WwwAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, basic.Status);
        Assert.Equal(BasicChallenge, basic.Headers.WwwAuthenticate.ToString());
        foreach (var rfc6749 in new[] { revoke, token })
        {
            Assert.Equal(HttpStatusCode.BadRequest, rfc6749.Status);
            Assert.Equal("invalid_client", rfc6749.Error);
            Assert.Empty(rfc6749.Headers.WwwAuthenticate);
        }
    }

    [Fact]
    public async Task Introspection_TwoAuthenticationMethodsInOneRequest_IsStillAMalformedRequest()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = "spa" }));

        var twoMethods = await sim.PostFormAsync("oauth/introspect", Demo, ("client_secret", SimHarness.ClientSecret), ("token", "x"));
        var publicClient = await sim.PostFormAsync("oauth/introspect", null, ("client_id", "spa"), ("token", "x"));

        Assert.Equal(HttpStatusCode.BadRequest, twoMethods.Status);
        Assert.Equal("invalid_request", twoMethods.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, publicClient.Status);
    }
}
