using System.Net;
using Microsoft.AspNetCore.WebUtilities;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

public sealed class AuthorizationCodeTests
{
    private const string RedirectUri = "http://127.0.0.1/callback";

    [Fact]
    public async Task CodeFlow_WithS256Verifier_IssuesATokenPairForTheTestUser_AndEchoesState()
    {
        await using var sim = await SimHarness.StartAsync();
        var verifier = Pkce.NewVerifier();

        var (code, query) = await AuthorizeAsync(sim, Pkce.Challenge(verifier), state: "xyz 123");
        var reply = await ExchangeAsync(sim, code!, verifier);

        Assert.Equal("xyz 123", query["state"]);
        Assert.Equal(sim.Server.BaseAddress.ToString().TrimEnd('/'), query["iss"]);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.Has("refresh_token"));
        var introspection = await sim.PostFormAsync("oauth/introspect", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret), ("token", reply["access_token"]!));
        Assert.Equal("test-user", introspection["sub"]);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("tokens_issued").GetProperty("authorization_code").GetInt64());
    }

    [Fact]
    public async Task MissingVerifier_IsInvalidGrant()
    {
        await using var sim = await SimHarness.StartAsync();
        var (code, _) = await AuthorizeAsync(sim, Pkce.Challenge(Pkce.NewVerifier()));

        var reply = await sim.TokenAsync(("grant_type", "authorization_code"), ("code", code!), ("redirect_uri", RedirectUri));

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task WrongVerifier_IsInvalidGrant()
    {
        await using var sim = await SimHarness.StartAsync();
        var (code, _) = await AuthorizeAsync(sim, Pkce.Challenge(Pkce.NewVerifier()));

        var reply = await ExchangeAsync(sim, code!, Pkce.NewVerifier());

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task RedirectUriNotRegisteredExactly_IsAJsonErrorAndNeverARedirect()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(Pkce.NewVerifier()), redirectUri: RedirectUri + "/"));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Null(reply.Headers.Location);
        Assert.Equal("invalid_request", reply.Error);
    }

    [Fact]
    public async Task ALoopbackRedirectUri_IsAcceptedOnAnyPort_AsRfc8252Requires_ButNotOnAnotherPathOrHost()
    {
        await using var sim = await SimHarness.StartAsync();
        var verifier = Pkce.NewVerifier();
        const string OnAPort = "http://127.0.0.1:51234/callback";

        var approved = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(verifier), redirectUri: OnAPort));
        var code = QueryHelpers.ParseQuery(approved.Headers.Location!.Query)["code"].ToString();
        var reply = await ExchangeAsync(sim, code, verifier, redirectUri: OnAPort);
        var otherPath = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(verifier), redirectUri: "http://127.0.0.1:51234/elsewhere"));
        var otherHost = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(verifier), redirectUri: "http://localhost:51234/callback"));

        Assert.Equal(HttpStatusCode.Found, approved.Status);
        Assert.StartsWith(OnAPort + "?", approved.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (otherPath.Status, otherHost.Status));
    }

    [Fact]
    public async Task ConsentDenied_RedirectsWithAccessDenied_AndState()
    {
        await using var sim = await SimHarness.StartAsync(o => o.ConsentDenied = true);

        var reply = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(Pkce.NewVerifier()), state: "s1"));

        var query = QueryHelpers.ParseQuery(reply.Headers.Location!.Query);
        Assert.Equal(("access_denied", "s1"), (query["error"].ToString(), query["state"].ToString()));
        Assert.False(query.ContainsKey("code"));
    }

    [Fact]
    public async Task RedirectUriDifferentAtTheTokenEndpoint_IsInvalidGrant()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients[0].RedirectUris = [RedirectUri, "http://127.0.0.1/other"]);
        var verifier = Pkce.NewVerifier();
        var (code, _) = await AuthorizeAsync(sim, Pkce.Challenge(verifier));

        var reply = await ExchangeAsync(sim, code!, verifier, redirectUri: "http://127.0.0.1/other");

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task MissingCodeChallenge_IsRedirectedAsInvalidRequestWithState()
    {
        await using var sim = await SimHarness.StartAsync();

        var (code, query) = await AuthorizeAsync(sim, challenge: null, state: "s1");

        Assert.Null(code);
        Assert.Equal("invalid_request", query["error"]);
        Assert.Equal("s1", query["state"]);
    }

    [Fact]
    public async Task PlainChallengeMethod_IsRefused()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(Pkce.NewVerifier()), method: "plain"));

        var query = QueryHelpers.ParseQuery(reply.Headers.Location!.Query);
        Assert.Equal("invalid_request", query["error"]);
    }

    [Fact]
    public async Task UnknownResponseType_IsRedirectedAsUnsupportedResponseType()
    {
        await using var sim = await SimHarness.StartAsync();

        var reply = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(Pkce.NewVerifier()), responseType: "token"));

        Assert.Equal("unsupported_response_type", QueryHelpers.ParseQuery(reply.Headers.Location!.Query)["error"]);
    }

    [Fact]
    public async Task CodeUsedTwice_IsInvalidGrant_AndRevokesTheTokensItIssued()
    {
        await using var sim = await SimHarness.StartAsync();
        var verifier = Pkce.NewVerifier();
        var (code, _) = await AuthorizeAsync(sim, Pkce.Challenge(verifier));
        var first = await ExchangeAsync(sim, code!, verifier);

        var second = await ExchangeAsync(sim, code!, verifier);
        var api = await sim.GetAsync("api/contacts?limit=1", first["access_token"]);

        Assert.Equal("invalid_grant", second.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, api.Status);
        Assert.Equal(1, (await sim.StatsAsync()).GetProperty("grants_revoked").GetInt64());
    }

    [Fact]
    public async Task ExpiredCode_IsInvalidGrant()
    {
        await using var sim = await SimHarness.StartAsync();
        var verifier = Pkce.NewVerifier();
        var (code, _) = await AuthorizeAsync(sim, Pkce.Challenge(verifier));

        sim.Clock.Advance(sim.Options.AuthorizationCodeTtl);
        var reply = await ExchangeAsync(sim, code!, verifier);

        Assert.Equal("invalid_grant", reply.Error);
    }

    [Fact]
    public async Task PublicClient_RedeemsItsCodeWithClientIdAlone()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Clients.Add(new SimulatorClient { ClientId = "spa", RedirectUris = [RedirectUri] }));
        var verifier = Pkce.NewVerifier();
        var (code, _) = await AuthorizeAsync(sim, Pkce.Challenge(verifier), clientId: "spa");

        var reply = await sim.TokenWithAsync(null,
            ("grant_type", "authorization_code"), ("code", code!), ("redirect_uri", RedirectUri), ("code_verifier", verifier), ("client_id", "spa"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
    }

    [Fact]
    public async Task LoginHint_NamingAKnownUser_IssuesTokensForThatUser()
    {
        await using var sim = await SimHarness.StartAsync(o => o.Users = ["alice"]);
        var verifier = Pkce.NewVerifier();

        var reply = await sim.GetAsync(AuthorizeUrl(Pkce.Challenge(verifier)) + "&login_hint=alice");
        var code = QueryHelpers.ParseQuery(reply.Headers.Location!.Query)["code"].ToString();
        var tokens = await ExchangeAsync(sim, code, verifier);
        var introspection = await sim.PostFormAsync("oauth/introspect", SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret), ("token", tokens["access_token"]!));

        Assert.Equal("alice", introspection["sub"]);
    }

    private static string AuthorizeUrl(string? challenge, string? state = null, string redirectUri = RedirectUri, string method = "S256",
        string responseType = "code", string clientId = SimHarness.ClientId)
    {
        var query = new Dictionary<string, string?>
        {
            ["response_type"] = responseType,
            ["client_id"] = clientId,
            ["redirect_uri"] = redirectUri,
            ["scope"] = "contacts:read",
            ["code_challenge_method"] = method,
        };
        if (challenge is not null)
        {
            query["code_challenge"] = challenge;
        }

        if (state is not null)
        {
            query["state"] = state;
        }

        return QueryHelpers.AddQueryString("oauth/authorize", query);
    }

    private static async Task<(string? Code, Dictionary<string, Microsoft.Extensions.Primitives.StringValues> Query)> AuthorizeAsync(
        SimHarness sim, string? challenge, string? state = null, string clientId = SimHarness.ClientId)
    {
        var reply = await sim.GetAsync(AuthorizeUrl(challenge, state, clientId: clientId));
        Assert.Equal(HttpStatusCode.Found, reply.Status);
        var location = reply.Headers.Location!;
        Assert.StartsWith(RedirectUri + "?", location.ToString(), StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        return (query.TryGetValue("code", out var code) ? code.ToString() : null, query);
    }

    private static Task<Reply> ExchangeAsync(SimHarness sim, string code, string verifier, string redirectUri = RedirectUri) =>
        sim.TokenAsync(("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectUri), ("code_verifier", verifier));
}
