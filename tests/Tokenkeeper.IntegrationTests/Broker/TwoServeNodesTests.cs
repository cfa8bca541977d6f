using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>Two <c>tokenkeeper serve</c> processes on one store: a token one refreshed is served by the other without another
/// refresh, and 200 callers across both at the token's usable-until point cause one token request.</summary>
public sealed class TwoServeNodesTests : IAsyncLifetime
{
    /// <summary>Short enough to reach its usable-until point (a second before expiry) within the test.</summary>
    private static readonly TimeSpan AccessTtl = TimeSpan.FromSeconds(20);
    private ServeHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServeHarness.StartAsync(new SimulatorOptions { AccessTtl = AccessTtl });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task ATokenRefreshedThroughOneNode_IsServedByTheOther_And200CallersAcrossBothAtUsableUntilCauseOneTokenRequest()
    {
        var (a, urlA) = await _harness.ServeAsync();
        var (b, urlB) = await _harness.ServeAsync();
        using var processA = a;
        using var processB = b;
        using var http = new HttpClient();
        var simulator = _harness.Simulator;

        var (first, expiresAt) = await TokenWithExpiryAsync(http, urlA);
        var issuedAfterFirst = simulator.GetStats().TokensIssuedTotal;
        var fromB = await TokenAsync(http, urlB, "");
        var issuedAfterB = simulator.GetStats().TokensIssuedTotal;

        // Nobody asks until the token is past its usable-until point (a second before it expires: no refresh-ahead was started).
        // Then 200 callers across both nodes all need a new one: one refresh, by whichever node gets the lease; every other
        // caller, on either node, waits for it and is served its result (valid another 20 s, so none asks again).
        var pastUsable = expiresAt - TimeSpan.FromMilliseconds(500) - DateTimeOffset.UtcNow;
        if (pastUsable > TimeSpan.Zero)
        {
            await Task.Delay(pastUsable); // real time: two real processes and a real provider
        }

        var callers = Enumerable.Range(0, 200).Select(i => TokenAsync(http, i % 2 == 0 ? urlA : urlB, "")).ToList();
        var tokens = await Task.WhenAll(callers);
        var issuedAfterCrowd = simulator.GetStats().TokensIssuedTotal;
        a.Terminate();
        b.Terminate();
        await a.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await b.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(first, fromB);
        Assert.Equal(issuedAfterFirst, issuedAfterB);
        Assert.Single(tokens.Distinct());
        Assert.NotEqual(first, tokens[0]);
        Assert.Equal(issuedAfterB + 1, issuedAfterCrowd);
    }

    private async Task<(string Token, DateTimeOffset ExpiresAt)> TokenWithExpiryAsync(HttpClient http, Uri node)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/v1/connections/crm/token"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _harness.ApiKey);
        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return ((string)body["access_token"]!, DateTimeOffset.Parse((string)body["expires_at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task<string> TokenAsync(HttpClient http, Uri node, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/v1/connections/crm/token" + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _harness.ApiKey);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (string)JsonNode.Parse(text)!["access_token"]!;
    }
}
