using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>Two <c>tokenkeeper serve</c> processes on one store: a token one refreshed is served by the other without another
/// refresh, and 200 callers across both who all need a fresher token cause one token request.</summary>
public sealed partial class TwoServeNodesTests : IAsyncLifetime
{
    private static readonly TimeSpan AccessTtl = TimeSpan.FromMinutes(2);
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-two-nodes-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private readonly string _apiKey = ApiKeys.Generate();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorServer.StartAsync(new SimulatorOptions { AccessTtl = AccessTtl });
        await new CliStore(StorePath, _key).RegisterAsync(_simulator, "crm", ProviderProfiles.Generic, DateTimeOffset.UtcNow);
        using var protector = new AesGcmSecretProtector(Convert.FromBase64String(_key));
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector });
        await store.AddKeyAsync(new ApiKeyRecord("job", ApiKeys.Hash(_apiKey), ApiKeyRoles.Reader, ["crm"], DateTimeOffset.UtcNow));
    }

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ATokenRefreshedThroughOneNode_IsServedByTheOther_And200CallersAcrossBothCauseOneTokenRequest()
    {
        var environment = new Dictionary<string, string> { ["TOKENKEEPER_KEY"] = _key };
        using var a = CliProcess.Start(["serve", "--store", StorePath, "--urls", "http://127.0.0.1:0"], environment);
        using var b = CliProcess.Start(["serve", "--store", StorePath, "--urls", "http://127.0.0.1:0"], environment);
        var (urlA, urlB) = (await UrlAsync(a), await UrlAsync(b));
        using var http = new HttpClient();

        var first = await TokenAsync(http, urlA, "");
        var issuedAfterFirst = _simulator.GetStats().TokensIssuedTotal;
        var fromB = await TokenAsync(http, urlB, "");
        var issuedAfterB = _simulator.GetStats().TokensIssuedTotal;

        // Everyone now needs a token valid longer than the current one still is: one refresh, by whichever node gets the lease;
        // every other caller, on either node, waits for it and is served its result.
        await Task.Delay(TimeSpan.FromSeconds(2)); // real time: the current token must have aged a little for min_validity to bite
        var minValidity = (int)AccessTtl.TotalSeconds - 1;
        var callers = Enumerable.Range(0, 200).Select(i => TokenAsync(http, i % 2 == 0 ? urlA : urlB, $"?min_validity={minValidity}")).ToList();
        var tokens = await Task.WhenAll(callers);
        var issuedAfterCrowd = _simulator.GetStats().TokensIssuedTotal;
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

    private static async Task<Uri> UrlAsync(CliProcess serve)
    {
        await Waits.UntilAsync(() => Listening().IsMatch(serve.Output) || serve.HasExited, () => "serve to listen: " + serve.Output, TimeSpan.FromSeconds(60));
        return new Uri(Listening().Match(serve.Output).Groups[1].Value);
    }

    private async Task<string> TokenAsync(HttpClient http, Uri node, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/v1/connections/crm/token" + query));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (string)JsonNode.Parse(text)!["access_token"]!;
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
