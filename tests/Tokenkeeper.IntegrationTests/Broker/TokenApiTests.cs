using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Tokenkeeper.Broker;
using Tokenkeeper.Broker.Hosting;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>
/// The token service's token API over real HTTP on loopback, a real SQLite store and the simulator: the access matrix (no key,
/// wrong key, revoked key, a reader on a foreign connection, an admin) with exact statuses and <c>error</c> members, every
/// outcome a job meets (409, 422, 503), compare-and-refresh, and no refresh token or secret in any answer.
/// </summary>
public sealed class TokenApiTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-broker-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private readonly HttpClient _http = new();
    private SimulatorServer _simulator = null!;
    private AesGcmSecretProtector _protector = null!;
    private SqliteTokenStore _store = null!;
    private HttpClient _tokenHttp = null!;
    private TokenManager _manager = null!;
    private WebApplication _app = null!;
    private Uri _base = null!;
    private readonly Dictionary<string, string> _grants = [];

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorServer.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromMinutes(10) });
        var cli = new CliStore(StorePath, _key);
        foreach (var id in new[] { "crm-eu", "crm-us", "zendesk" })
        {
            _grants[id] = (await cli.RegisterAsync(_simulator, id, ProviderProfiles.Generic, DateTimeOffset.UtcNow)).RefreshToken!;
        }

        _protector = new AesGcmSecretProtector(Convert.FromBase64String(_key));
        _store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = _protector, RetryWindow = TimeSpan.FromSeconds(1) });
        _tokenHttp = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        _manager = new TokenManager(_store, new TokenEndpointClient(_tokenHttp));
        _app = BrokerApp.Build(_manager, _store, "http://127.0.0.1:0");
        await _app.StartAsync();
        _base = new Uri(_app.Urls.First());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _manager.DisposeAsync();
        _tokenHttp.Dispose();
        _store.Dispose();
        _protector.Dispose();
        _http.Dispose();
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheAccessMatrix_HasExactStatusesAndErrorMembers()
    {
        var reader = await KeyAsync("job-a", ApiKeyRoles.Reader, "crm-*");
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");
        var revoked = await KeyAsync("old-job", ApiKeyRoles.Reader, "*");
        await _store.RevokeKeyAsync("old-job", DateTimeOffset.UtcNow);

        var noKey = await GetAsync("crm-eu", null);
        var wrongKey = await GetAsync("crm-eu", ApiKeys.Generate());
        var notAKey = await GetAsync("crm-eu", "hunter2");
        var revokedKey = await GetAsync("crm-eu", revoked);
        var foreign = await GetAsync("zendesk", reader);
        var unknown = await GetAsync("no-such-connection", reader);
        var own = await GetAsync("crm-eu", reader);
        var adminAny = await GetAsync("zendesk", admin);

        foreach (var refused in new[] { noKey, wrongKey, notAKey, revokedKey })
        {
            await AssertProblemAsync(refused, HttpStatusCode.Unauthorized, "unauthorized");
            Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());
        }

        // A connection the key may not see answers exactly as one that does not exist.
        var (foreignBody, unknownBody) = (await AssertProblemAsync(foreign, HttpStatusCode.NotFound, "connection_not_found"), await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "connection_not_found"));
        Assert.Equal(foreignBody["title"]!.ToString(), unknownBody["title"]!.ToString());

        foreach (var (response, id) in new[] { (own, "crm-eu"), (adminAny, "zendesk") })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var token = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal(id, (string?)token["connection_id"]);
            Assert.Equal("Bearer", (string?)token["token_type"]);
            Assert.False(string.IsNullOrEmpty((string?)token["access_token"]));
            Assert.Equal(8, ((string?)token["fingerprint"])!.Length);
            Assert.EndsWith("Z", (string?)token["expires_at"], StringComparison.Ordinal); // RFC 3339 UTC
            Assert.Equal(["access_token", "connection_id", "expires_at", "fingerprint", "token_type"], token.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task WhatAJobMeets_IsAnswered_WithTheRightProblem()
    {
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");

        var tooLong = await GetAsync("crm-eu", admin, "?min_validity=3600");
        var garbage = await GetAsync("crm-eu", admin, "?min_validity=soon");
        await _manager.DisableAsync("crm-us", "maintenance");
        var disabled = await GetAsync("crm-us", admin);
        _simulator.RevokeGrantsOf(_simulator.Options.TestUser);
        var revoked = await GetAsync("zendesk", admin);

        var tooLongBody = await AssertProblemAsync(tooLong, HttpStatusCode.UnprocessableEntity, "min_validity_unattainable");
        Assert.Equal(600, (long)tooLongBody["token_lifetime_seconds"]!);
        await AssertProblemAsync(garbage, HttpStatusCode.BadRequest, "invalid_request");
        await AssertProblemAsync(disabled, HttpStatusCode.Conflict, "disabled");
        var reconnect = await AssertProblemAsync(revoked, HttpStatusCode.Conflict, "reconnect_required");
        Assert.Equal(("revoked", "credential"), ((string?)reconnect["reason"], (string?)reconnect["cause"]));
        Assert.True(reconnect.AsObject().ContainsKey("reconnect_url"));
        Assert.Null(reconnect["reconnect_url"]);
    }

    [Fact]
    public async Task AStoreThatFails_Is503TemporarilyUnavailable_WithRetryAfter_AndCauseInfrastructure_NeverACredentialError()
    {
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");
        await GetAsync("crm-eu", admin); // the key is known; now the store file goes away under the service
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Move(StorePath, StorePath + ".moved");
        Directory.CreateDirectory(StorePath); // a directory where the file was: every open fails

        var ready = await _http.GetAsync(new Uri(_base, "/readyz"));
        var health = await _http.GetAsync(new Uri(_base, "/healthz"));
        var token = await GetAsync("crm-eu", admin);

        var management = await SendAsync(HttpMethod.Get, "/v1/connections", admin);
        var audit = await GetAuditAsync(admin, "");
        var anonymous = await GetAsync("crm-eu", ApiKeys.Generate());

        await AssertProblemAsync(ready, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        foreach (var answer in new[] { token, management, audit, anonymous })
        {
            var unavailable = await AssertProblemAsync(answer, HttpStatusCode.ServiceUnavailable, "temporarily_unavailable");
            Assert.Equal("infrastructure", (string?)unavailable["cause"]);
            Assert.NotNull(answer.Headers.RetryAfter);
            Assert.DoesNotContain(_directory, unavailable.ToJsonString(), StringComparison.Ordinal); // the store's path stays in the log
        }

        Assert.DoesNotContain(_directory, await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.NotNull(ready.Headers.RetryAfter);
    }

    [Fact]
    public async Task CompareAndRefresh_RefreshesOnlyTheCurrentToken_AndAnswersAnOlderOneWithTheCurrent()
    {
        var reader = await KeyAsync("job-a", ApiKeyRoles.Reader, "crm-eu");
        var first = await TokenAsync(await GetAsync("crm-eu", reader));
        var issued = _simulator.GetStats().TokensIssuedTotal;

        var replaced = await TokenAsync(await PostInvalidAsync("crm-eu", reader, first));
        var afterRefresh = _simulator.GetStats().TokensIssuedTotal;
        var stale = await TokenAsync(await PostInvalidAsync("crm-eu", reader, first)); // a second worker reports the same old token
        var bad = await PostAsync("crm-eu", reader, "{}");

        Assert.NotEqual(first, replaced);
        Assert.Equal(issued + 1, afterRefresh);
        Assert.Equal(replaced, stale);
        Assert.Equal(afterRefresh, _simulator.GetStats().TokensIssuedTotal); // nothing spent for the stale report
        await AssertProblemAsync(bad, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task NoAnswer_EverCarriesARefreshTokenOrASecret()
    {
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");
        var bodies = new List<string>();
        foreach (var id in _grants.Keys)
        {
            bodies.Add(await (await GetAsync(id, admin)).Content.ReadAsStringAsync());
        }

        _simulator.RevokeGrantsOf(_simulator.Options.TestUser);
        await _manager.RefreshAsync("crm-eu").ContinueWith(_ => { }, TaskScheduler.Default);
        bodies.Add(await (await GetAsync("crm-eu", admin)).Content.ReadAsStringAsync());
        var record = (await _store.GetAsync("zendesk"))!;

        foreach (var body in bodies)
        {
            foreach (var grant in _grants.Values)
            {
                Assert.DoesNotContain(grant, body, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(record.Tokens!.RefreshToken!.Value.Value, body, StringComparison.Ordinal);
            Assert.DoesNotContain("demo-secret", body, StringComparison.Ordinal);
            Assert.DoesNotContain("refresh_token\"", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task EveryTokenRead_IsInTheAudit_ForAdminsOnly_AndWrittenByShutdown()
    {
        var reader = await KeyAsync("job-a", ApiKeyRoles.Reader, "crm-*");
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");
        var issued = await TokenAsync(await GetAsync("crm-eu", reader));
        await GetAsync("zendesk", reader); // not this key's: on record as refused
        await _manager.DisableAsync("crm-us", "maintenance");
        await GetAsync("crm-us", reader);

        var all = await AuditAsync(admin, "");
        var onlyEu = await AuditAsync(admin, "?connection=crm-eu");
        var byReader = await GetAuditAsync(reader, "");
        var badSince = await GetAuditAsync(admin, "?since=yesterday");
        await TokenAsync(await GetAsync("crm-eu", admin)); // read just before the service stops
        await _app.StopAsync();
        var stored = await _store.ReadAuditAsync(new AuditQuery(KeyName: "ops"));

        Assert.Equal(
            [("job-a", "crm-eu", "issued"), ("job-a", "zendesk", "connection_not_found"), ("job-a", "crm-us", "disabled")],
            all.Select(e => ((string)e!["key"]!, (string)e["connection_id"]!, (string)e["outcome"]!)));
        Assert.Equal(Fingerprint(issued), (string?)all[0]!["fingerprint"]);
        Assert.Null(all[1]!["fingerprint"]);
        Assert.All(all, e => Assert.Equal("127.0.0.1", (string?)e!["client_address"]));
        Assert.Single(onlyEu);
        await AssertProblemAsync(byReader, HttpStatusCode.Forbidden, "forbidden");
        await AssertProblemAsync(badSince, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Equal("issued", Assert.Single(stored).Outcome); // flushed at shutdown, not lost
        Assert.DoesNotContain(all, e => e!.ToJsonString().Contains(issued, StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheManagementApi_IsForAdmins_AndShowsAndChangesConnections()
    {
        var reader = await KeyAsync("job-a", ApiKeyRoles.Reader, "*");
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");
        string[] reads = ["/v1/connections", "/v1/connections/crm-eu"];
        string[] actions = ["/v1/connections/crm-eu/refresh", "/v1/connections/crm-eu/disable", "/v1/connections/crm-eu/enable"];

        foreach (var path in reads)
        {
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, path, null), HttpStatusCode.Unauthorized, "unauthorized");
            await AssertProblemAsync(await SendAsync(HttpMethod.Get, path, reader), HttpStatusCode.Forbidden, "forbidden");
        }

        foreach (var path in actions)
        {
            await AssertProblemAsync(await SendAsync(HttpMethod.Post, path, null), HttpStatusCode.Unauthorized, "unauthorized");
            await AssertProblemAsync(await SendAsync(HttpMethod.Post, path, reader), HttpStatusCode.Forbidden, "forbidden");
        }

        var issued = _simulator.GetStats().TokensIssuedTotal;
        var refreshed = await JsonAsync(await SendAsync(HttpMethod.Post, "/v1/connections/crm-eu/refresh", admin));
        var disabled = await JsonAsync(await SendAsync(HttpMethod.Post, "/v1/connections/crm-eu/disable?reason=OPS-42", admin));
        var whileDisabled = await GetAsync("crm-eu", reader);
        var enabled = await JsonAsync(await SendAsync(HttpMethod.Post, "/v1/connections/crm-eu/enable", admin));
        var list = await JsonAsync(await SendAsync(HttpMethod.Get, "/v1/connections", admin));
        var detail = await JsonAsync(await SendAsync(HttpMethod.Get, "/v1/connections/crm-eu", admin));
        var unknown = await SendAsync(HttpMethod.Post, "/v1/connections/nope/refresh", admin);

        Assert.True((bool)refreshed["refreshed"]!);
        Assert.Equal(issued + 1, _simulator.GetStats().TokensIssuedTotal);
        Assert.Equal(("Disabled", "disabled_by_operator"), ((string?)disabled["state"], (string?)disabled["reason"]));
        await AssertProblemAsync(whileDisabled, HttpStatusCode.Conflict, "disabled");
        Assert.Equal("Active", (string?)enabled["state"]);
        Assert.Equal(["crm-eu", "crm-us", "zendesk"], list["connections"]!.AsArray().Select(c => (string)c!["id"]!));
        Assert.NotNull(detail["connection"]!["idle_deadline"] ?? detail["connection"]!["access_token_expires_at"]);
        Assert.Contains(detail["history"]!.AsArray(), h => (string?)h!["detail"] == "OPS-42");
        Assert.Contains(detail["recent_events"]!.AsArray(), e => (string?)e!["type"] == "refreshed");
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "connection_not_found");
        foreach (var body in new[] { refreshed, disabled, enabled, list, detail })
        {
            Assert.DoesNotContain(_grants["crm-eu"], body.ToJsonString(), StringComparison.Ordinal);
            Assert.DoesNotContain("demo-secret", body.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Metrics_AreServedInPrometheusTextFormat_WithTheTokenkeeperMeterAndAspNetCoresRequests()
    {
        var reader = await KeyAsync("job-a", ApiKeyRoles.Reader, "crm-*");
        var token = await TokenAsync(await GetAsync("crm-eu", reader));

        var text = "";
        await Waits.UntilAsync(() =>
        {
            text = _http.GetStringAsync(new Uri(_base, "/metrics")).GetAwaiter().GetResult();
            return text.Contains("tokenkeeper_refreshes", StringComparison.Ordinal) && text.Contains("http_server_request_duration", StringComparison.Ordinal);
        }, () => "the scrape to show the refresh and the request: " + text[..Math.Min(2000, text.Length)]);

        Assert.Contains("connection=\"crm-eu\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.DoesNotContain(reader, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnAddressThatKeepsSendingBadKeys_IsAnswered429_EvenWithAGoodKey_UntilItsWindowEnds()
    {
        var reader = await KeyAsync("job-a", ApiKeyRoles.Reader, "crm-*");
        for (var i = 0; i < BrokerConstants.FailedAttemptLimit; i++)
        {
            await AssertProblemAsync(await GetAsync("crm-eu", ApiKeys.Generate()), HttpStatusCode.Unauthorized, "unauthorized");
        }

        var blocked = await GetAsync("crm-eu", reader);

        await AssertProblemAsync(blocked, HttpStatusCode.TooManyRequests, "too_many_failed_attempts");
        Assert.InRange(blocked.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(1), BrokerConstants.FailedAttemptWindow);
    }

    [Fact]
    public async Task XForwardedFor_NamesTheClient_OnlyWhenItComesFromATrustedProxy()
    {
        var admin = await KeyAsync("ops", ApiKeyRoles.Admin, "*");
        await using var behindProxy = BrokerApp.Build(_manager, _store, "http://127.0.0.1:0", trustedProxies: [IPAddress.Loopback]);
        await behindProxy.StartAsync();
        var proxied = new Uri(behindProxy.Urls.First());

        foreach (var node in new[] { _base, proxied })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/v1/connections/crm-eu/token"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(request)).StatusCode);
        }

        await behindProxy.StopAsync(); // its audit is flushed at stop; the main node's is flushed by the audit read
        var entries = await AuditAsync(admin, "");

        Assert.Equal(["127.0.0.1", "203.0.113.9"], entries.Select(e => (string?)e!["client_address"]).Order(StringComparer.Ordinal)); // the direct node ignored the header
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await _http.SendAsync(request);
    }

    private static async Task<JsonNode> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<HttpResponseMessage> GetAuditAsync(string key, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, "/v1/audit" + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _http.SendAsync(request);
    }

    private async Task<JsonArray> AuditAsync(string key, string query)
    {
        var response = await GetAuditAsync(key, query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!["entries"]!.AsArray();
    }

    private static string Fingerprint(string token) => Tokenkeeper.Diagnostics.TokenFingerprint.Of(token);

    private async Task<string> KeyAsync(string name, string role, string connections)
    {
        var key = ApiKeys.Generate();
        Assert.True(await _store.AddKeyAsync(new ApiKeyRecord(name, ApiKeys.Hash(key), role, ConnectionPatterns.Parse(connections), DateTimeOffset.UtcNow)));
        return key;
    }

    private async Task<HttpResponseMessage> GetAsync(string id, string? key, string query = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_base, $"/v1/connections/{id}/token{query}"));
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await _http.SendAsync(request);
    }

    private Task<HttpResponseMessage> PostInvalidAsync(string id, string key, string accessToken) =>
        PostAsync(id, key, new JsonObject { ["access_token"] = accessToken }.ToJsonString());

    private async Task<HttpResponseMessage> PostAsync(string id, string key, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, $"/v1/connections/{id}/token/invalid"))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await _http.SendAsync(request);
    }

    private static async Task<string> TokenAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["access_token"]!;
    }

    private static async Task<JsonNode> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!;
        Assert.Equal(error, (string?)body["error"]);
        Assert.Equal((int)status, (int)body["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)body["title"]));
        return body;
    }
}
