using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary><c>tokenkeeper keys</c> and <c>tokenkeeper serve</c> as real processes over a real store: a key is printed once and
/// stored as a hash; the service answers a job's token request with it, refuses it once revoked, and stops on SIGTERM.</summary>
public sealed class ServeCliTests : IAsyncLifetime
{
    private ServeHarness _harness = null!;

    private string StorePath => _harness.StorePath;

    private Dictionary<string, string> Environment => _harness.Environment;

    public async Task InitializeAsync() => _harness = await ServeHarness.StartAsync(new SimulatorOptions(), withApiKey: false);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task AKeyMadeByTheCli_GetsATokenFromServe_UntilItIsRevoked_AndTheStoreNeverHoldsTheKey()
    {
        var (createExit, created) = await CliProcess.RunAsync(["keys", "create", "--store", StorePath, "--name", "job-a", "--connections", "crm*", "--json"], Environment);
        Assert.True(createExit == 0, created);
        var apiKey = (string)JsonNode.Parse(created)!["key"]!;
        Assert.StartsWith("tk_", apiKey, StringComparison.Ordinal);
        var (listExit, listed) = await CliProcess.RunAsync(["keys", "list", "--store", StorePath, "--json"], Environment);
        Assert.True(listExit == 0, listed);
        Assert.DoesNotContain(apiKey, listed, StringComparison.Ordinal);
        Assert.Equal("job-a", (string?)JsonNode.Parse(listed)!["keys"]![0]!["name"]);
        Assert.DoesNotContain(apiKey, await File.ReadAllTextAsync(StorePath + (File.Exists(StorePath + "-wal") ? "-wal" : "")), StringComparison.Ordinal);
        var (againExit, again) = await CliProcess.RunAsync(["keys", "create", "--store", StorePath, "--name", "job-a"], Environment);
        Assert.Equal(2, againExit);
        Assert.Contains("already has a key named 'job-a'", again, StringComparison.Ordinal);

        var (started, url) = await _harness.ServeAsync();
        using var serve = started;
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/v1/connections/crm/token"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var answer = await http.SendAsync(request);
        var token = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;

        var (revokeExit, revoked) = await CliProcess.RunAsync(["keys", "revoke", "job-a", "--store", StorePath], Environment);
        using var afterRevoke = new HttpRequestMessage(HttpMethod.Get, new Uri(url, "/v1/connections/crm/token"));
        afterRevoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var refused = await http.SendAsync(afterRevoke);
        serve.Terminate();
        await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var (auditExit, audit) = await CliProcess.RunAsync(["audit", "--store", StorePath, "--key", "job-a", "--json"], Environment);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("crm", (string?)token["connection_id"]);
        Assert.True(revokeExit == 0, revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True(auditExit == 0, audit);
        var entry = Assert.Single(JsonNode.Parse(audit)!["entries"]!.AsArray())!; // the read, written by the time serve exited
        Assert.Equal(("crm", "issued", (string?)token["fingerprint"]), ((string?)entry["connection_id"], (string?)entry["outcome"], (string?)entry["fingerprint"]));
        Assert.True(serve.HasExited, serve.Output);
        Assert.DoesNotContain(apiKey, serve.Output, StringComparison.Ordinal);
        Assert.DoesNotContain((string)token["access_token"]!, serve.Output, StringComparison.Ordinal);
    }
}
