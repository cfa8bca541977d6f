using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tokenkeeper.Cli;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// OpenTelemetry export of the long-running commands (issue 15): real <c>tokenkeeper sync</c> and <c>lifecycle run</c> processes
/// send the <c>Tokenkeeper</c> meter and spans over OTLP/HTTP to a loopback collector written here (<see cref="OtlpReceiver"/>),
/// named by <c>--otlp-endpoint</c> or by <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> alone; a collector that is down changes nothing; a
/// bad endpoint is a configuration error; with neither, nothing is sent. Every OTEL_ variable the child could inherit from this
/// machine is emptied, so the tests do not depend on the environment they run in.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private const int Contacts = 200;

    /// <summary>What a process may take to exit beyond its wait for the collector: the runtime's own shutdown, a loaded machine.</summary>
    private static readonly TimeSpan ExitSlack = TimeSpan.FromSeconds(3);

    /// <summary>The variables that could switch export on or change where it goes or what it says; emptied for every child.</summary>
    private static readonly string[] OtelVariables =
    [
        "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_METRIC_EXPORT_INTERVAL", "OTEL_SDK_DISABLED", "OTEL_TRACES_SAMPLER",
    ];

    private SyncHarness _harness = null!;
    private OtlpReceiver _receiver = null!;

    private string LifecycleStorePath => Path.Combine(_harness.Directory, "lifecycle.db");

    public async Task InitializeAsync()
    {
        _harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = Contacts });
        await _harness.WriteJobAsync(pageSize: 100, batchSize: 100);
        foreach (var name in OtelVariables)
        {
            _harness.Environment[name] = "";
        }

        _receiver = await OtlpReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task Sync_with_otlp_endpoint_sends_refresh_metrics_and_spans_under_the_tokenkeeper_resource_before_it_exits()
    {
        var secrets = _harness.Environment.Where(e => e.Key.EndsWith("_REFRESH_TOKEN", StringComparison.Ordinal)).Select(e => e.Value).Append("demo-secret").ToList();

        var result = await _harness.RunSyncAsync("--json", "--otlp-endpoint", _receiver.BaseUrl.ToString());

        // Read once the process has exited: what it sent at exit is all there is.
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Contacts, (long)result.Json["records_written"]!);
        var requests = _receiver.Requests.ToList();
        Assert.All(requests, r => Assert.Equal(("POST", OtlpReceiver.ProtobufContentType), (r.Method, r.ContentType)));
        Assert.All(requests, r => Assert.Contains(r.Path, new[] { "/v1/traces", "/v1/metrics" }));
        var metrics = _receiver.Metrics.LastOrDefault(r => r.Strings.Contains("tokenkeeper.refreshes"));
        Assert.True(metrics is not null, Describe());
        Assert.Contains(KeyValuePair.Create("service.name", "tokenkeeper"), metrics.Attributes);
        Assert.Contains(KeyValuePair.Create("tokenkeeper.command", "sync"), metrics.Attributes);
        Assert.Contains(KeyValuePair.Create("connection", SyncHarness.SourceConnection), metrics.Attributes);
        Assert.Contains(KeyValuePair.Create("outcome", "success"), metrics.Attributes);
        Assert.Contains("Tokenkeeper", metrics.Strings); // the meter, as the instrumentation scope
        var traces = _receiver.Traces.Where(r => r.Strings.Contains("tokenkeeper.refresh")).ToList();
        Assert.True(traces.Count > 0, Describe());
        var spanAttributes = traces.SelectMany(r => r.Attributes).ToList();
        Assert.Contains(KeyValuePair.Create("service.name", "tokenkeeper"), spanAttributes);
        Assert.Contains(KeyValuePair.Create("tokenkeeper.connection", SyncHarness.SourceConnection), spanAttributes);
        Assert.Contains(KeyValuePair.Create("tokenkeeper.connection", SyncHarness.DestinationConnection), spanAttributes);
        foreach (var body in requests.Select(r => Encoding.UTF8.GetString(r.Body)))
        {
            Assert.All(secrets, secret => Assert.DoesNotContain(secret, body, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Lifecycle_run_once_exports_to_the_collector_named_by_OTEL_EXPORTER_OTLP_ENDPOINT_alone()
    {
        // A Xero grant authorised 41 days ago: its keep-alive refresh is due at once.
        await new CliStore(LifecycleStorePath, _harness.Key).RegisterAsync(_harness.Simulator, "crm", ProviderProfiles.Xero, DateTimeOffset.UtcNow.AddDays(-41));
        var environment = LifecycleEnvironment();
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.BaseUrl.ToString();

        var (exit, output) = await Support.CliProcess.RunAsync(["lifecycle", "run", "--once", "--store", LifecycleStorePath], environment);

        Assert.True(exit == 0, output);
        Assert.Contains("crm: keepalive ok", output, StringComparison.Ordinal);
        var metrics = _receiver.Metrics.Where(r => r.Strings.Contains("tokenkeeper.refreshes")).ToList();
        Assert.True(metrics.Count > 0, Describe());
        var attributes = metrics.SelectMany(r => r.Attributes).ToList();
        Assert.Contains(KeyValuePair.Create("service.name", "tokenkeeper"), attributes);
        Assert.Contains(KeyValuePair.Create("tokenkeeper.command", "lifecycle run"), attributes);
        Assert.Contains(KeyValuePair.Create("trigger", "keepalive"), attributes);
        Assert.Contains(_receiver.Traces, r => r.Strings.Contains("tokenkeeper.refresh") && r.Attributes.Contains(KeyValuePair.Create("tokenkeeper.trigger", "keepalive")));
    }

    [Fact]
    public async Task Lifecycle_run_exports_metrics_while_it_runs_at_OTEL_METRIC_EXPORT_INTERVAL_and_its_spans_when_stopped()
    {
        await new CliStore(LifecycleStorePath, _harness.Key).RegisterAsync(_harness.Simulator, "crm", ProviderProfiles.Xero, DateTimeOffset.UtcNow.AddDays(-41));
        var environment = LifecycleEnvironment();
        environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.BaseUrl.ToString();
        environment["OTEL_METRIC_EXPORT_INTERVAL"] = "200";
        using var process = Support.CliProcess.Start(["lifecycle", "run", "--store", LifecycleStorePath], environment);

        // Three exports of the refresh counter while the service runs: at the 15 s default this would take 45 s, more than the wait.
        await Waits.UntilAsync(
            () => _receiver.Metrics.Count(r => r.Strings.Contains("tokenkeeper.refreshes")) >= 3 || process.HasExited,
            () => "three metric exports while running: " + Describe() + process.Output,
            TimeSpan.FromSeconds(20));
        Assert.False(process.HasExited, process.Output);

        process.Terminate();
        await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(process.ExitCode == 143, process.Output);
        Assert.Contains(_receiver.Traces, r => r.Strings.Contains("tokenkeeper.refresh"));
    }

    [Fact]
    public async Task Sync_with_a_collector_that_is_down_completes_with_exit_zero_and_its_report()
    {
        var down = new UriBuilder(Uri.UriSchemeHttp, IPAddress.Loopback.ToString(), FreePort()).Uri;
        var started = Stopwatch.GetTimestamp();

        var result = await _harness.RunSyncAsync("--json", "--otlp-endpoint", down.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("completed", (string?)result.Json["status"]);
        Assert.Equal(Contacts, (long)result.Json["records_written"]!);
        Assert.DoesNotContain("OpenTelemetry", result.Stdout + result.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Contacts, _harness.Simulator.GetStats().ContactsStoredDistinct);
        // Not a timing test: a bound far above a sync of this size plus the exit's wait for the collector, against a hang.
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(60), "the sync hung on a collector that is down");
    }

    [Fact]
    public async Task Sync_with_a_collector_that_never_answers_exits_within_the_shutdown_timeout_after_its_report()
    {
        _receiver.Hang = true;
        using var process = _harness.Start("sync", "--config", _harness.JobPath, "--json", "--otlp-endpoint", _receiver.BaseUrl.ToString());

        // The report is printed before the exporters are shut down: from then on, only the wait for the collector is left.
        await Waits.UntilAsync(() => process.StdoutSoFar.Contains("records_written", StringComparison.Ordinal) || process.HasExited, () => "the report: " + process.StdoutSoFar, TimeSpan.FromSeconds(60));
        var reported = Stopwatch.GetTimestamp();
        var result = await process.WaitAsync();
        var exiting = Stopwatch.GetElapsedTime(reported);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Contacts, (long)result.Json["records_written"]!);
        Assert.False(_receiver.Requests.IsEmpty, "the exporters never reached the collector");
        // Without the bound the SDK waits 5 s per provider, one after the other, and its requests time out after 10 s.
        Assert.True(exiting < CliConstants.OtlpShutdownTimeout + ExitSlack, $"the exit took {exiting} after the report");
    }

    [Theory]
    [InlineData("sync", "--config", "job.json")]
    [InlineData("lifecycle", "run", "--store", "tokenkeeper.db")]
    public async Task A_bad_otlp_endpoint_is_a_configuration_error_that_names_the_flag(params string[] command)
    {
        foreach (var bad in new[] { "not a url", "localhost:4318", "ftp://collector.example/" })
        {
            var (exit, output) = await Support.CliProcess.RunAsync([.. command, "--otlp-endpoint", bad], LifecycleEnvironment(), _harness.Directory);

            Assert.True(exit == 2, output);
            Assert.Contains($"--otlp-endpoint '{bad}' is not an absolute http or https URL", output, StringComparison.Ordinal);
        }

        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task Without_the_flag_or_the_variables_nothing_is_exported()
    {
        var result = await _harness.RunSyncAsync("--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Contacts, (long)result.Json["records_written"]!);
        Assert.True(_receiver.Requests.IsEmpty, Describe());
    }

    /// <summary>The lifecycle store's key, and every OTEL_ variable emptied.</summary>
    private Dictionary<string, string> LifecycleEnvironment()
    {
        var environment = OtelVariables.ToDictionary(name => name, _ => "");
        environment["TOKENKEEPER_KEY"] = _harness.Key;
        return environment;
    }

    private string Describe() => $"the collector received {_receiver.Requests.Count} request(s):\n" + string.Join("\n", _receiver.Requests);

    /// <summary>A loopback port nothing listens on: taken from the system, then let go.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
