using System.Text.Json.Nodes;
using Tokenkeeper.Simulator;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// A wrong client secret (issue 13, item 1) is a configuration error, not a dead grant: the real <c>tokenkeeper sync</c> exits 2
/// naming the connection, the client and the <c>${env:…}</c> the secret comes from, says the refresh token was not spent and no
/// re-authorisation is needed; the connection is Degraded (invalid_client), not ReconnectRequired; and correcting only the
/// secret finishes the job with the same grant, no consent.
/// </summary>
public sealed class WrongClientSecretTests : IAsyncLifetime
{
    private const int Contacts = 300;
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });
        await _harness.WriteJobAsync(pageSize: 100, batchSize: 100);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task A_wrong_secret_exits_two_as_a_configuration_error_and_the_corrected_secret_resumes_without_consent()
    {
        var bootstrap = _harness.Environment[SyncHarness.VariableOf(SyncHarness.SourceConnection)];
        _harness.Environment["CRM_SECRET"] = "a-secret-that-was-rotated-away";
        var issued = _harness.Simulator.GetStats().TokensIssuedTotal;

        var wrong = await _harness.RunSyncAsync("--json");

        Assert.True(wrong.ExitCode == 2, wrong.ToString());
        Assert.Equal("misconfigured", (string?)wrong.Json["status"]);
        Assert.Contains("Connection 'legacy-crm': the provider rejected client 'demo-client' (invalid_client)", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("${env:CRM_SECRET}", wrong.Stderr, StringComparison.Ordinal);
        Assert.Contains("the refresh token was not spent", wrong.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("no re-authorisation is needed", wrong.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("authorise the connection again", wrong.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("a-secret-that-was-rotated-away", wrong.Stdout + wrong.Stderr, StringComparison.Ordinal);
        Assert.Equal(issued, _harness.Simulator.GetStats().TokensIssuedTotal);
        var (state, reason) = await StateAsync(SyncHarness.SourceConnection);
        Assert.Equal(("Degraded", "invalid_client"), (state, reason));
        Assert.Equal("client_configuration", (string?)(await RowAsync(SyncHarness.SourceConnection))["last_failure_cause"]);
        var (showExit, show) = await Support.CliProcess.RunAsync(
            ["connections", "show", SyncHarness.SourceConnection, "--store", _harness.StorePath, "--json"],
            new Dictionary<string, string> { ["TOKENKEEPER_KEY_FILE"] = _harness.KeyFile });
        Assert.True(showExit == 0, show);
        var shown = JsonNode.Parse(show)!;
        Assert.Equal("client_configuration", (string?)shown["connection"]!["last_failure_cause"]);
        Assert.Contains(shown["recent_events"]!.AsArray(), e => (string?)e!["type"] == "refresh_failed" && (string?)e["cause"] == "client_configuration");
        Assert.DoesNotContain(shown["recent_events"]!.AsArray(), e => (string?)e!["cause"] == "credential");

        var (planExit, plan) = await Support.CliProcess.RunAsync(
            ["lifecycle", "plan", "--store", _harness.StorePath],
            new Dictionary<string, string> { ["TOKENKEEPER_KEY_FILE"] = _harness.KeyFile, ["COLUMNS"] = "300" });
        Assert.True(planExit == 0, plan);
        Assert.Contains("legacy-crm: nothing is sent until its client configuration is corrected (the provider said invalid_client; the grant is fine); the same configuration is tried again", plan, StringComparison.Ordinal);

        // Running again with the same wrong secret sends nothing: the provider is not asked again within the hour.
        var requests = _harness.Simulator.GetStats().TokenRequests;
        var again = await _harness.RunSyncAsync("--json");
        Assert.True(again.ExitCode == 2, again.ToString());
        Assert.Contains("no re-authorisation is needed", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(requests, _harness.Simulator.GetStats().TokenRequests);

        _harness.Environment["CRM_SECRET"] = "demo-secret";
        var corrected = await _harness.RunSyncAsync("--json");

        Assert.True(corrected.ExitCode == 0, corrected.ToString());
        Assert.Equal(Contacts, (long)corrected.Json["records_written"]!);
        Assert.Equal(bootstrap, _harness.Environment[SyncHarness.VariableOf(SyncHarness.SourceConnection)]);
        Assert.DoesNotContain("re-authorised", corrected.Stdout + corrected.Stderr, StringComparison.Ordinal);
        Assert.Equal(("Active", "reconfigured"), await StateAsync(SyncHarness.SourceConnection));
        Assert.Null((string?)(await RowAsync(SyncHarness.SourceConnection))["last_failure_cause"]); // refreshed since: no failure to show, as for last_error
        Assert.Equal(Contacts, _harness.Simulator.GetStats().ContactsStoredDistinct);
    }

    private async Task<(string State, string Reason)> StateAsync(string connection)
    {
        var row = await RowAsync(connection);
        return ((string)row["state"]!, (string)row["reason"]!);
    }

    private async Task<JsonNode> RowAsync(string connection)
    {
        var (exit, output) = await Support.CliProcess.RunAsync(
            ["connections", "list", "--store", _harness.StorePath, "--json"],
            new Dictionary<string, string> { ["TOKENKEEPER_KEY_FILE"] = _harness.KeyFile });
        Assert.True(exit == 0, output);
        return JsonNode.Parse(output)!["connections"]!.AsArray().Single(c => (string?)c!["id"] == connection)!;
    }
}
