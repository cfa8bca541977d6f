using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>Malformed requests of every kind get a JSON error with the right status, never a 500 or an HTML page.</summary>
public sealed class MalformedRequestTests
{
    public static TheoryData<string> Cases => new(MalformedCases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_GetsAJsonErrorAndNeverHitsTheCatchAll(string name)
    {
        await using var sim = await SimHarness.StartAsync();
        var (build, expected) = MalformedCases[name];

        var reply = await sim.SendAsync(build(await sim.GrantAsync()));

        Assert.Equal(expected, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        Assert.NotNull(reply.Error);
        Assert.NotEqual("server_error", reply.Error);
        Assert.Equal(0, sim.Server.GetStats().InternalErrors);
    }

    [Fact]
    public async Task GenuineFailure_IsAnswered500ServerErrorAsJson_AndCounted()
    {
        await using var sim = await SimHarness.StartAsync();

        // A dial set in-process past its validation makes issuing a token overflow: the catch-all's case.
        sim.Options.AccessTtl = TimeSpan.MaxValue;
        var reply = await sim.ClientCredentialsAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, reply.Status);
        Assert.Equal("application/json", reply.MediaType);
        Assert.Equal("server_error", reply.Error);
        Assert.Equal(1, sim.Server.GetStats().InternalErrors);
    }

    private static readonly AuthenticationHeaderValue Demo = SimHarness.Basic(SimHarness.ClientId, SimHarness.ClientSecret);

    private static readonly Dictionary<string, (Func<Tokenkeeper.Simulator.GrantTokens, HttpRequestMessage> Build, HttpStatusCode Status)> MalformedCases = new()
    {
        ["token: unsupported grant type"] = (_ => Form("oauth/token", Demo, "grant_type=password&username=a&password=b"), HttpStatusCode.BadRequest),
        ["token: JSON body"] = (_ => Raw(HttpMethod.Post, "oauth/token", """{"grant_type":"client_credentials"}""", "application/json", Demo), HttpStatusCode.BadRequest),
        ["token: empty body"] = (_ => Raw(HttpMethod.Post, "oauth/token", string.Empty, null, Demo), HttpStatusCode.BadRequest),
        ["token: repeated parameter"] = (_ => Form("oauth/token", Demo, "grant_type=client_credentials&grant_type=client_credentials"), HttpStatusCode.BadRequest),
        ["token: garbage Basic header"] = (_ => Form("oauth/token", new AuthenticationHeaderValue("Basic", "%%%"), "grant_type=client_credentials"), HttpStatusCode.Unauthorized),
        ["token: wrong client secret"] = (_ => Form("oauth/token", SimHarness.Basic(SimHarness.ClientId, "nope"), "grant_type=client_credentials"), HttpStatusCode.Unauthorized),
        ["token: refresh without refresh_token"] = (_ => Form("oauth/token", Demo, "grant_type=refresh_token"), HttpStatusCode.BadRequest),
        ["token: code without code"] = (_ => Form("oauth/token", Demo, "grant_type=authorization_code&code_verifier=x"), HttpStatusCode.BadRequest),
        ["token: unknown code without verifier"] = (_ => Form("oauth/token", Demo, "grant_type=authorization_code&code=abc"), HttpStatusCode.BadRequest),
        ["token: jwt-bearer without assertion"] = (_ => Form("oauth/token", Demo, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"), HttpStatusCode.BadRequest),
        ["token: garbage client assertion"] = (_ => Form("oauth/token", null, "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion=a.b.c"), HttpStatusCode.BadRequest),
        ["token: GET"] = (_ => Raw(HttpMethod.Get, "oauth/token", null, null, null), HttpStatusCode.MethodNotAllowed),
        ["token: huge parameter"] = (_ => Form("oauth/token", Demo, "grant_type=client_credentials&scope=" + new string('a', 100_000)), HttpStatusCode.BadRequest),
        ["authorize: nothing"] = (_ => Raw(HttpMethod.Get, "oauth/authorize", null, null, null), HttpStatusCode.BadRequest),
        ["authorize: unknown client"] = (_ => Raw(HttpMethod.Get, "oauth/authorize?client_id=x&response_type=code", null, null, null), HttpStatusCode.BadRequest),
        ["revoke: no token"] = (_ => Form("oauth/revoke", Demo, "token_type_hint=access_token"), HttpStatusCode.BadRequest),
        ["introspect: no token"] = (_ => Form("oauth/introspect", Demo, string.Empty), HttpStatusCode.BadRequest),
        ["contacts: bad cursor"] = (g => Bearer(HttpMethod.Get, "api/contacts?cursor=%%%", g), HttpStatusCode.BadRequest),
        ["contacts: bad limit"] = (g => Bearer(HttpMethod.Get, "api/contacts?limit=-1", g), HttpStatusCode.BadRequest),
        ["contacts: empty bearer"] = (_ => Raw(HttpMethod.Get, "api/contacts", null, null, new AuthenticationHeaderValue("Bearer")), HttpStatusCode.Unauthorized),
        ["batch: invalid JSON"] = (g => Bearer(HttpMethod.Post, "api/contacts/batch", g, "[{\"id\":"), HttpStatusCode.BadRequest),
        ["batch: over 500"] = (g => Bearer(HttpMethod.Post, "api/contacts/batch", g, "[" + string.Join(',', Enumerable.Range(0, 501).Select(i => $"{{\"id\":\"{i}\"}}")) + "]"), HttpStatusCode.BadRequest),
        ["batch: empty"] = (g => Bearer(HttpMethod.Post, "api/contacts/batch", g, "[]"), HttpStatusCode.BadRequest),
        ["batch: missing id"] = (g => Bearer(HttpMethod.Post, "api/contacts/batch", g, "[{\"name\":\"x\"}]"), HttpStatusCode.BadRequest),
        ["batch: no body"] = (g => Bearer(HttpMethod.Post, "api/contacts/batch", g, string.Empty), HttpStatusCode.BadRequest),
        ["batch: body over 8 MiB"] = (g => Bearer(HttpMethod.Post, "api/contacts/batch", g, "[\"" + new string('x', 9 * 1024 * 1024) + "\"]"), HttpStatusCode.RequestEntityTooLarge),
        ["batch: idempotency key too long"] = (g => WithHeader(Bearer(HttpMethod.Post, "api/contacts/batch", g, "[{\"id\":\"a\"}]"), "Idempotency-Key", new string('k', 300)), HttpStatusCode.BadRequest),
        ["sim/grants: invalid JSON"] = (_ => Raw(HttpMethod.Post, "sim/grants", "{", "application/json", null), HttpStatusCode.BadRequest),
        ["sim/dials: unknown dial"] = (_ => Raw(HttpMethod.Post, "sim/dials", "{\"speed\":11}", "application/json", null), HttpStatusCode.BadRequest),
        ["sim/grants/{id}/revoke: unknown"] = (_ => Raw(HttpMethod.Post, "sim/grants/nope/revoke", null, null, null), HttpStatusCode.NotFound),
        ["unknown path"] = (_ => Raw(HttpMethod.Get, "wp-admin.php", null, null, null), HttpStatusCode.NotFound),
        ["DELETE on stats"] = (_ => Raw(HttpMethod.Delete, "sim/stats", null, null, null), HttpStatusCode.MethodNotAllowed),
    };

    private static HttpRequestMessage Form(string path, AuthenticationHeaderValue? auth, string body) =>
        Raw(HttpMethod.Post, path, body, "application/x-www-form-urlencoded", auth);

    private static HttpRequestMessage Bearer(HttpMethod method, string path, Tokenkeeper.Simulator.GrantTokens grant, string? body = null) =>
        Raw(method, path, body, body is null ? null : "application/json", new AuthenticationHeaderValue("Bearer", grant.AccessToken));

    private static HttpRequestMessage WithHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Add(name, value);
        return request;
    }

    private static HttpRequestMessage Raw(HttpMethod method, string path, string? body, string? contentType, AuthenticationHeaderValue? auth)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = contentType is null ? null : new MediaTypeHeaderValue(contentType);
        }

        request.Headers.Authorization = auth;
        return request;
    }
}
