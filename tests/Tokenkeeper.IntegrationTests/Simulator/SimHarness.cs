using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Simulator;

/// <summary>A simulator on loopback driven by a fake clock, and a client that speaks to it over real HTTP.</summary>
internal sealed class SimHarness : IAsyncDisposable
{
    public const string ClientId = "demo-client";
    public const string ClientSecret = "demo-secret";
    public const string AllScopes = "contacts:read contacts:write";

    private SimHarness(SimulatorServer server, ManualTimeProvider clock)
    {
        Server = server;
        Clock = clock;
        // No connection pooling: SocketsHttpHandler silently retries a request whose pooled connection was dropped
        // before any response byte, which would send a drop-after request twice and blur what the tests count.
        Http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = server.BaseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public SimulatorServer Server { get; }

    public ManualTimeProvider Clock { get; }

    public HttpClient Http { get; }

    public SimulatorOptions Options => Server.Options;

    public static async Task<SimHarness> StartAsync(SimulatorOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        var clock = new ManualTimeProvider();
        var server = await SimulatorServer.StartAsync(options ?? new SimulatorOptions(), clock, loggerFactory: loggerFactory);
        return new SimHarness(server, clock);
    }

    public static Task<SimHarness> StartAsync(Action<SimulatorOptions> configure, ILoggerFactory? loggerFactory = null)
    {
        var options = new SimulatorOptions();
        configure(options);
        return StartAsync(options, loggerFactory);
    }

    /// <summary><c>Authorization: Basic</c> per RFC 6749 §2.3.1: form-urlencode id and secret, then base64.</summary>
    public static AuthenticationHeaderValue Basic(string id, string secret) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(
            $"{WebUtility.UrlEncode(id)}:{WebUtility.UrlEncode(secret)}")));

    public Task<Reply> TokenWithAsync(AuthenticationHeaderValue? authorization, params (string Name, string Value)[] form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Content = new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Name, f.Value))),
        };
        request.Headers.Authorization = authorization;
        return SendAsync(request);
    }

    public Task<Reply> TokenAsync(params (string Name, string Value)[] form) =>
        TokenWithAsync(Basic(ClientId, ClientSecret), form);

    public Task<Reply> ClientCredentialsAsync(string? scope = null) =>
        scope is null
            ? TokenAsync(("grant_type", "client_credentials"))
            : TokenAsync(("grant_type", "client_credentials"), ("scope", scope));

    public Task<Reply> RefreshAsync(string refreshToken, string? scope = null) =>
        scope is null
            ? TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refreshToken))
            : TokenAsync(("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("scope", scope));

    public Task<GrantTokens> GrantAsync(string scope = AllScopes) => Server.CreateGrantAsync(ClientId, "test-user", scope);

    public Task<Reply> GetAsync(string path, string? bearer = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return SendAsync(request);
    }

    public Task<Reply> PostJsonAsync(string path, string json, string? bearer = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return SendAsync(request);
    }

    public Task<Reply> PostFormAsync(string path, AuthenticationHeaderValue? authorization, params (string Name, string Value)[] form)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Name, f.Value))),
        };
        request.Headers.Authorization = authorization;
        return SendAsync(request);
    }

    public async Task<Reply> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await Http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return new Reply(response.StatusCode, body, response.Headers, response.Content.Headers);
        }
    }

    public async Task<System.Text.Json.JsonElement> StatsAsync() => (await GetAsync("sim/stats")).Json;

    /// <summary>Waits (in real time, bounded) until a request has parked on the fake clock, e.g. in a delay fault.</summary>
    public async Task WaitForPendingTimerAsync()
    {
        for (var i = 0; i < 2000 && Clock.PendingTimers == 0; i++)
        {
            await Task.Delay(5);
        }

        Assert.True(Clock.PendingTimers > 0, "no request parked on the fake clock");
    }

    /// <summary>Waits (in real time, bounded) until nothing is parked on the fake clock, e.g. a held answer whose client went away.</summary>
    public async Task WaitForNoPendingTimerAsync()
    {
        for (var i = 0; i < 2000 && Clock.PendingTimers > 0; i++)
        {
            await Task.Delay(5);
        }

        Assert.True(Clock.PendingTimers == 0, "a request is still parked on the fake clock");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
