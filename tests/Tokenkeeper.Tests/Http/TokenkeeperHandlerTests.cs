using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Tokenkeeper.Connections;
using Tokenkeeper.Http;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Http.AuthFailures;

namespace Tokenkeeper.Tests.Http;

public sealed class TokenkeeperHandlerTests
{
    private const string Id = ManagerFixture.ConnectionId;

    [Fact]
    public async Task Send_AttachesTheCurrentBearerToken()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        using var client = Client(f, api);

        using var response = await client.GetAsync("https://api.test/contacts");

        var token = await f.Manager.GetAccessTokenAsync(Id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"Bearer {token.Token.Value}", api.Authorizations.Single());
    }

    [Fact]
    public async Task Unauthorized_WithTheCurrentToken_RefreshesOnce_AndReplaysOnce()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        using var client = Client(f, api);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        api.Reject(first.Token.Value);

        using var response = await client.PostAsync("https://api.test/contacts/batch", JsonContent.Create(new[] { new { id = "c-1" } }));

        var current = await f.Manager.GetAccessTokenAsync(Id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(first.Token, current.Token);
        Assert.Equal([$"Bearer {first.Token.Value}", $"Bearer {current.Token.Value}"], api.Authorizations);
        Assert.Equal(2, f.Provider.Requests);
        Assert.Equal(1, f.Manager.Metrics.AuthReplays);
        Assert.Equal(["""[{"id":"c-1"}]""", """[{"id":"c-1"}]"""], api.Bodies);
    }

    [Fact]
    public async Task Unauthorized_WithATokenAlreadyReplaced_ReplaysWithoutRefreshing()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        var old = await f.Manager.GetAccessTokenAsync(Id);
        api.Reject(old.Token.Value);
        var holdOld = new StaleTokenSource(f.Manager.GetSource(Id), old);
        using var client = new HttpClient(new TokenkeeperHandler(holdOld, new TokenkeeperHandlerOptions(), _ => ValueTask.FromResult<IAuthFailureMatcher>(BearerChallengeMatcher.Instance), f.Clock, f.Manager.Metrics) { InnerHandler = api });
        f.Clock.SetUtcNow(old.ExpiresAt.AddSeconds(1));
        var current = await f.Manager.GetAccessTokenAsync(Id);
        var requests = f.Provider.Requests;

        using var response = await client.GetAsync("https://api.test/contacts");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(requests, f.Provider.Requests);
        Assert.Equal($"Bearer {current.Token.Value}", api.Authorizations.Last());
    }

    [Fact]
    public async Task Forbidden_InsufficientScope_IsNotATokenProblem()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer { Status = HttpStatusCode.Forbidden, Challenge = "Bearer error=\"insufficient_scope\", scope=\"contacts:write\"" };
        using var client = Client(f, api);

        using var response = await client.GetAsync("https://api.test/contacts");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Single(api.Authorizations);
        Assert.Equal(1, f.Provider.Requests);
    }

    [Fact]
    public async Task Unauthorized_WithAnotherBearerError_IsNotReplayed()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer { Status = HttpStatusCode.Unauthorized, Challenge = "Bearer error=\"invalid_request\", error_description=\"missing parameter\"" };
        using var client = Client(f, api);

        using var response = await client.GetAsync("https://api.test/contacts");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(api.Authorizations);
    }

    [Fact]
    public async Task Unauthorized_WithAStreamBody_IsReturned_NotReplayed()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        using var client = Client(f, api);
        api.Reject((await f.Manager.GetAccessTokenAsync(Id)).Token.Value);

        using var response = await client.PostAsync("https://api.test/upload", new StreamContent(new MemoryStream("payload"u8.ToArray())));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Single(api.Authorizations);
    }

    [Fact]
    public async Task Unauthorized_WithAStreamBody_IsReplayed_WhenBufferingIsOn()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        using var client = Client(f, api, o => o.BufferRequestContent = true);
        api.Reject((await f.Manager.GetAccessTokenAsync(Id)).Token.Value);

        using var response = await client.PostAsync("https://api.test/upload", new StreamContent(new MemoryStream("payload"u8.ToArray())));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["payload", "payload"], api.Bodies);
    }

    [Fact]
    public async Task NoTokenCanBeHad_TheRequestIsNeverSent_AndTheCallerGetsATypedException()
    {
        await using var f = new ManagerFixture();
        f.Provider.RevokeAll();
        var api = new ResourceServer();
        using var client = Client(f, api);

        var error = await Assert.ThrowsAsync<ReconnectRequiredException>(() => client.GetAsync("https://api.test/contacts"));

        Assert.Equal(Id, error.ConnectionId);
        Assert.Empty(api.Authorizations);
    }

    [Fact]
    public async Task ServiceUnavailable_OnAGet_IsRetried_HonouringRetryAfter()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        api.Script.Enqueue(HttpStatusCode.ServiceUnavailable);
        api.RetryAfter = TimeSpan.FromSeconds(7);
        using var client = Client(f, api);
        await f.Manager.GetAccessTokenAsync(Id);
        var start = f.Clock.GetUtcNow();

        using var response = await f.DriveAsync(client.GetAsync("https://api.test/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, api.Authorizations.Count);
        Assert.True(f.Clock.GetUtcNow() - start >= TimeSpan.FromSeconds(7));
        Assert.Equal(1, f.Manager.Metrics.HttpRetries);
    }

    [Fact]
    public async Task ServiceUnavailable_OnAPostWithoutIdempotencyKey_IsNotRetried()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        api.Script.Enqueue(HttpStatusCode.ServiceUnavailable);
        using var client = Client(f, api);

        using var response = await client.PostAsync("https://api.test/contacts/batch", new StringContent("[]"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(api.Authorizations);
    }

    [Fact]
    public async Task TooManyRequests_OnAPostWithAnIdempotencyKey_IsRetried()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        api.Script.Enqueue(HttpStatusCode.TooManyRequests);
        using var client = Client(f, api);
        await f.Manager.GetAccessTokenAsync(Id);
        using var request = new HttpRequestMessage(HttpMethod.Post, "https://api.test/contacts/batch") { Content = new StringContent("[]") };
        request.Headers.Add("Idempotency-Key", "job:1:7");

        using var response = await f.DriveAsync(client.SendAsync(request));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, api.Authorizations.Count);
    }

    [Fact]
    public async Task NetworkError_OnAGet_IsRetriedAfterAJitteredBackoff()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        api.NetworkErrors = 1;
        using var client = Client(f, api, o => o.RetryBaseDelay = TimeSpan.FromSeconds(4));
        await f.Manager.GetAccessTokenAsync(Id);
        f.Jitter = 0.25;
        var start = f.Clock.GetUtcNow();

        using var response = await f.DriveAsync(client.GetAsync("https://api.test/contacts"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, api.Attempts);
        // A 4 s step drawn from its upper half (2-4 s) at a quarter of the way: 2.5 s.
        Assert.Equal(TimeSpan.FromSeconds(2.5), f.Clock.GetUtcNow() - start);
        Assert.Equal(1, f.Manager.Metrics.HttpRetries);
    }

    [Fact]
    public async Task ServiceUnavailable_EveryTime_IsReturnedAfterTheRetryBudget_WithTheBackoffGrowingAndCapped()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer();
        for (var i = 0; i < 10; i++)
        {
            api.Script.Enqueue(HttpStatusCode.ServiceUnavailable);
        }

        using var client = Client(f, api, o =>
        {
            o.MaxRetries = 4;
            o.RetryBaseDelay = TimeSpan.FromSeconds(10);
            o.RetryMaxDelay = TimeSpan.FromSeconds(25);
        });
        await f.Manager.GetAccessTokenAsync(Id);
        var start = f.Clock.GetUtcNow();

        using var response = await f.DriveAsync(client.GetAsync("https://api.test/contacts"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(5, api.Attempts);
        Assert.Equal(4, f.Manager.Metrics.HttpRetries);

        // Steps 10, 20, 25 (capped), 25 s, each drawn from its upper half at the middle (the fixture's jitter is 0.5):
        // 7.5 + 15 + 18.75 + 18.75 = 60 s.
        Assert.Equal(TimeSpan.FromSeconds(60), f.Clock.GetUtcNow() - start);
    }

    [Fact]
    public async Task TooManyRequests_WithARetryAfterBeyondTheLimit_IsReturnedAtOnce()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer { RetryAfter = TimeSpan.FromMinutes(10) };
        api.Script.Enqueue(HttpStatusCode.TooManyRequests);
        using var client = Client(f, api);
        await f.Manager.GetAccessTokenAsync(Id);
        var start = f.Clock.GetUtcNow();

        using var response = await client.GetAsync("https://api.test/contacts");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(1, api.Attempts);
        Assert.Equal(start, f.Clock.GetUtcNow());
        Assert.Equal(0, f.Manager.Metrics.HttpRetries);
    }

    [Fact]
    public async Task NegativeRetrySettings_AreRejectedWhenTheHandlerIsBuilt()
    {
        await using var f = new ManagerFixture();
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenkeeperHandler(f.Manager, Id, new TokenkeeperHandlerOptions { MaxRetries = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenkeeperHandler(f.Manager, Id, new TokenkeeperHandlerOptions { RetryBaseDelay = TimeSpan.FromSeconds(5), RetryMaxDelay = TimeSpan.FromSeconds(1) }));
    }

    [Fact]
    public async Task Slack_HttpOkWithOkFalseTokenExpired_IsAnAuthFailure()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Slack);
        var api = new ResourceServer();
        using var client = Client(f, api);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        api.Reject(first.Token.Value, slackStyle: true);

        using var response = await client.GetAsync("https://slack.test/api/conversations.list");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"ok":true}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, api.Authorizations.Count);
    }

    [Fact]
    public async Task Slack_OkFalseForAnotherReason_IsReturnedWithItsBodyIntact()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Slack);
        var api = new ResourceServer { Body = """{"ok":false,"error":"channel_not_found"}""" };
        using var client = Client(f, api);

        using var response = await client.GetAsync("https://slack.test/api/conversations.info");

        Assert.Equal("""{"ok":false,"error":"channel_not_found"}""", await response.Content.ReadAsStringAsync());
        Assert.Single(api.Authorizations);
    }

    [Fact]
    public async Task Salesforce_InvalidSessionIdInA500Body_IsAnAuthFailure()
    {
        await using var f = new ManagerFixture(profile: ProviderProfiles.Salesforce);
        var api = new ResourceServer();
        using var client = Client(f, api);
        var first = await f.Manager.GetAccessTokenAsync(Id);
        api.Reject(first.Token.Value, status: HttpStatusCode.InternalServerError, body: """[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]""");

        using var response = await client.GetAsync("https://na1.salesforce.test/services/data/v60.0/query");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, api.Authorizations.Count);
    }

    [Fact]
    public async Task RejectedAgainAfterTheReplay_IsReturned_AndCountedAsAnAuthLoop()
    {
        await using var f = new ManagerFixture();
        var api = new ResourceServer { Status = HttpStatusCode.Unauthorized, Challenge = "Bearer error=\"invalid_token\"" };
        using var client = Client(f, api);

        using var response = await client.GetAsync("https://api.test/contacts");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2, api.Authorizations.Count);
        Assert.Equal(1, f.Manager.Metrics.AuthLoops);
    }

    private static HttpClient Client(ManagerFixture f, ResourceServer api, Action<TokenkeeperHandlerOptions>? configure = null)
    {
        var options = new TokenkeeperHandlerOptions();
        configure?.Invoke(options);
        return new HttpClient(new TokenkeeperHandler(f.Manager, Id, options) { InnerHandler = api });
    }

    /// <summary>A resource server: records what it receives, rejects named tokens, and answers scripted statuses first.</summary>
    private sealed class ResourceServer : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<string, (HttpStatusCode Status, string Body, bool Slack)> _rejected = new();

        public List<string> Authorizations { get; } = [];

        public List<string> Bodies { get; } = [];

        public ConcurrentQueue<HttpStatusCode> Script { get; } = new();

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public string? Challenge { get; set; }

        public string Body { get; set; } = """{"ok":true}""";

        public TimeSpan? RetryAfter { get; set; }

        /// <summary>How many of the next requests fail as a refused connection would (an <see cref="HttpRequestException"/>).</summary>
        public int NetworkErrors { get; set; }

        /// <summary>Every request that reached the server, network errors included.</summary>
        public int Attempts { get; private set; }

        public void Reject(string token, bool slackStyle = false, HttpStatusCode status = HttpStatusCode.Unauthorized, string body = "") =>
            _rejected[token] = (status, body, slackStyle);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Authorizations)
            {
                Attempts++;
                if (NetworkErrors > 0)
                {
                    NetworkErrors--;
                    throw new HttpRequestException("connection refused (test)");
                }
            }

            var authorization = request.Headers.Authorization?.ToString() ?? "";
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Authorizations)
            {
                Authorizations.Add(authorization);
                if (body is not null)
                {
                    Bodies.Add(body);
                }
            }

            if (Script.TryDequeue(out var scripted))
            {
                var failure = new HttpResponseMessage(scripted) { Content = new StringContent("busy") };
                if (RetryAfter is { } wait)
                {
                    failure.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
                }

                return failure;
            }

            var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization[7..] : "";
            if (_rejected.TryGetValue(token, out var rejection))
            {
                if (rejection.Slack)
                {
                    return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"ok":false,"error":"token_expired"}""", Encoding.UTF8, "application/json") };
                }

                var rejected = new HttpResponseMessage(rejection.Status) { Content = new StringContent(rejection.Body, Encoding.UTF8, "application/json") };
                if (rejection.Status == HttpStatusCode.Unauthorized)
                {
                    rejected.Headers.WwwAuthenticate.ParseAdd("Bearer error=\"invalid_token\"");
                }

                return rejected;
            }

            var response = new HttpResponseMessage(Status) { Content = new StringContent(Body, Encoding.UTF8, "application/json") };
            if (Challenge is not null)
            {
                response.Headers.WwwAuthenticate.ParseAdd(Challenge);
            }

            return response;
        }
    }

    /// <summary>A source that hands out an old token first (as a request in flight while a peer refreshed would carry).</summary>
    private sealed class StaleTokenSource(Tokenkeeper.Refresh.IAccessTokenSource inner, Tokenkeeper.Refresh.ManagedAccessToken stale) : Tokenkeeper.Refresh.IAccessTokenSource
    {
        public string ConnectionId => inner.ConnectionId;

        public ValueTask<Tokenkeeper.Refresh.ManagedAccessToken> GetTokenAsync(TimeSpan minValidity = default, CancellationToken cancellationToken = default) => ValueTask.FromResult(stale);

        public ValueTask<Tokenkeeper.Refresh.ManagedAccessToken> GetTokenAfterRejectionAsync(Tokenkeeper.Refresh.ManagedAccessToken rejected, CancellationToken cancellationToken = default) =>
            inner.GetTokenAfterRejectionAsync(rejected, cancellationToken);
    }
}
