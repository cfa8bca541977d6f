using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>Two <c>tokenkeeper serve</c> processes on one store: a token one refreshed is served by the other without another
/// refresh, and 200 callers across both who all need a fresher token cause one token request.</summary>
public sealed class TwoServeNodesTests : IAsyncLifetime
{
    private static readonly TimeSpan AccessTtl = TimeSpan.FromMinutes(2);
    private ServeHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServeHarness.StartAsync(new SimulatorOptions { AccessTtl = AccessTtl });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task ATokenRefreshedThroughOneNode_IsServedByTheOther_And200CallersAcrossBothCauseOneTokenRequest()
    {
        var (a, urlA) = await _harness.ServeAsync();
        var (b, urlB) = await _harness.ServeAsync();
        using var processA = a;
        using var processB = b;
        using var http = new HttpClient();
        var simulator = _harness.Simulator;

        var first = await TokenAsync(http, urlA, "");
        var issuedAfterFirst = simulator.GetStats().TokensIssuedTotal;
        var fromB = await TokenAsync(http, urlB, "");
        var issuedAfterB = simulator.GetStats().TokensIssuedTotal;

        // Everyone now needs a token valid longer than the current one still is: one refresh, by whichever node gets the lease;
        // every other caller, on either node, waits for it and is served its result.
        await Task.Delay(TimeSpan.FromSeconds(2)); // real time: the current token must have aged a little for min_validity to bite
        var minValidity = (int)AccessTtl.TotalSeconds - 1;
        var callers = Enumerable.Range(0, 200).Select(i => TokenAsync(http, i % 2 == 0 ? urlA : urlB, $"?min_validity={minValidity}")).ToList();
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
