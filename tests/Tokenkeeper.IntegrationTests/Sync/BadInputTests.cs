using System.Text.Json.Nodes;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Http;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>Every kind of bad input ends with a clear message and the right exit code, and loses nothing: configuration
/// mistakes stop before anything is sent (exit 2); a source or destination that misbehaves stops the run with the
/// checkpoint kept (exit 4).</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private SyncHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = 1_000 });
        await _harness.WriteJobAsync(pageSize: 100, batchSize: 100);
    }

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task BadJson_ExitsTwo_NamingTheLineAndColumn()
    {
        await File.WriteAllTextAsync(_harness.JobPath, "{\n  \"store\": \"tokenkeeper.db\",\n  \"connections\": {\n}");

        var result = await _harness.RunSyncInProcessAsync(_harness.JobPath);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("job.json: line 4, column 2: not valid JSON", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public async Task UnknownKey_ExitsTwo_NamingItsPathAndTheKeyItProbablyMeant()
    {
        var result = await RunWithAsync(job => job["job"]!["source"]!["pagesize"] = 200);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("job.json: $.job.source.pagesize: unknown key; did you mean 'pageSize'?", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingField_ExitsTwo_NamingItsPath()
    {
        var result = await RunWithAsync(job => job["job"]!["destination"]!.AsObject().Remove("url"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("job.json: $.job.destination.url: is required", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadUrl_ExitsTwo_NamingItsPath()
    {
        var result = await RunWithAsync(job => job["job"]!["source"]!["url"] = "htp//127.0.0.1/api/contacts");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("job.json: $.job.source.url: 'htp//127.0.0.1/api/contacts' is not an absolute http or https URL", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingConnection_ExitsTwo_NamingTheReferenceAndTheDeclaredConnections()
    {
        var result = await RunWithAsync(job => job["job"]!["destination"]!["connection"] = "hubspot");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("job.json: $.job.destination.connection: there is no connection 'hubspot' in $.connections (declared: legacy-crm, zendesk)", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _harness.Simulator.GetStats().TokenRequests);
    }

    [Fact]
    public async Task UnsetEnvironmentVariable_ExitsTwo_NamingTheVariableAndThePath()
    {
        var result = await RunWithAsync(job => job["connections"]!["legacy-crm"]!["clientSecret"] = "${env:NO_SUCH_SECRET}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("job.json: $.connections.legacy-crm.clientSecret: the environment variable NO_SUCH_SECRET is not set", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableSource_ExitsFour_SayingWhichAddressCouldNotBeReached()
    {
        await RewriteAsync(job => job["job"]!["source"]!["url"] = "http://127.0.0.1:1/api/contacts");

        var result = await _harness.RunSyncInProcessAsync(_harness.JobPath, FastRetries());

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Equal("failed", (string?)result.Json["status"]);
        Assert.Contains("cannot reach http://127.0.0.1:1 (connection failed: ConnectionRefused). Check the URL and that the service is running.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageWithoutTheItemsField_ExitsFour_ListingTheFieldsThePageHas_AndWritesNothing()
    {
        await RewriteAsync(job => job["job"]!["source"]!["itemsField"] = "contacts");

        var result = await _harness.RunSyncInProcessAsync(_harness.JobPath, FastRetries());

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("the page has no 'contacts' field (itemsField). The page's fields: items, next_cursor, total", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, (long)result.Json["records_written"]!);
        Assert.Equal(0, _harness.Simulator.GetStats().BatchesStored);
        Assert.Equal(0, (long)(await _harness.ReadCheckpointAsync())!["batch"]!);
    }

    [Fact]
    public async Task DestinationAnswering400_ExitsFour_QuotingItsAnswer_WithoutRetrying()
    {
        await RewriteAsync(job => job["job"]!["destination"]!["bodyField"] = "contacts");

        var result = await _harness.RunSyncInProcessAsync(_harness.JobPath, FastRetries());

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Equal(1, (long)result.Json["failures_surfaced"]!);
        Assert.Equal(0, (long)result.Json["retries"]!);
        Assert.Contains($"POST batch 1 to {_harness.Simulator.BaseAddress}api/contacts/batch: HTTP 400 Bad Request: {{\"error\":\"invalid_request\"", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Nothing of this generation was checkpointed yet", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationAnswering400_ThenAFixedJobFile_RerunCompletesWithEveryContactOnce()
    {
        await RewriteAsync(job => job["job"]!["destination"]!["bodyField"] = "contacts");
        var refused = await _harness.RunSyncInProcessAsync(_harness.JobPath, FastRetries());
        Assert.True(refused.ExitCode == 4, refused.ToString());

        await RewriteAsync(_ => { });
        var rerun = await _harness.RunSyncInProcessAsync(_harness.JobPath, FastRetries());

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        var stats = _harness.Simulator.GetStats();
        Assert.Equal(1_000, stats.ContactsStoredDistinct);
        Assert.Equal(1_000, stats.ContactsReceived);
    }

    private static SyncRunSettings FastRetries() => new()
    {
        Json = true,
        HandlerOptions = new TokenkeeperHandlerOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(20), RetryMaxDelay = TimeSpan.FromMilliseconds(50) },
        SyncOptions = new Tokenkeeper.Sync.SyncOptions { StepRetryBaseDelay = TimeSpan.FromMilliseconds(20), StepRetryMaxDelay = TimeSpan.FromMilliseconds(50) },
    };

    private async Task<CliResult> RunWithAsync(Action<JsonObject> change)
    {
        await RewriteAsync(change);
        return await _harness.RunSyncInProcessAsync(_harness.JobPath);
    }

    private async Task RewriteAsync(Action<JsonObject> change)
    {
        var job = _harness.JobJson(100, 100);
        change(job);
        await File.WriteAllTextAsync(_harness.JobPath, job.ToJsonString());
    }
}
