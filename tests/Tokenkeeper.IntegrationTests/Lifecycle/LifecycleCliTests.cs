using System.Text.Json;
using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.IntegrationTests.Lifecycle;

/// <summary><c>tokenkeeper lifecycle …</c> and <c>connections …</c> as real processes over a real store.</summary>
public sealed class LifecycleCliTests : IAsyncLifetime
{
    private static readonly string WebhookSecret = StandardWebhooksCheck.NewSecret();
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-lifecycle-cli-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    private CliStore Store => new(StorePath, _key);

    private Dictionary<string, string> Environment => new() { ["TOKENKEEPER_KEY"] = _key };

    public async Task InitializeAsync() =>
        _simulator = await SimulatorServer.StartAsync(new SimulatorOptions { RefreshAbsoluteTtl = TimeSpan.FromDays(7) });

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AnEventWrittenBeforeACrash_IsDeliveredAfterTheRestart()
    {
        // A google-testing grant authorised 6½ days ago: its 1-day warning is due as soon as the service looks.
        await RegisterAsync("reports", ProviderProfiles.GoogleTesting, DateTimeOffset.UtcNow.AddDays(-6.5));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = 500;
        var secretFile = Path.Combine(_directory, "hook-secrets");
        await File.WriteAllTextAsync(secretFile, "# ops receiver\n" + WebhookSecret + "\n");
        string[] run = ["lifecycle", "run", "--store", StorePath, "--webhook", receiver.Url.ToString(), "--webhook-secret-file", secretFile];

        using (var first = CliProcess.Start(run, Environment))
        {
            // Kill it once its failed attempt is on record (killing it mid-POST is correct too, but the event then stays
            // claimed for LifecycleConstants.OutboxClaimFor before another process may retry it).
            await Waits.UntilAsync(() => WarningAttemptFailed() || first.HasExited, () => "the first process to attempt a delivery: " + first.Output, TimeSpan.FromSeconds(90));
            first.KillHard();
            Assert.False(receiver.Requests.IsEmpty, first.Output);
        }

        var undelivered = await OutboxAsync();
        Assert.Contains(undelivered, e => e.Event.Type == ConnectionEventTypes.ExpiryWarning && e.Deliveries.All(d => d.Sink != "webhook" || d.DeliveredAt is null));

        receiver.Status = 200;
        using (var second = CliProcess.Start(run, Environment))
        {
            // Wait until the store records the delivery (written after the receiver answers), so the kill cannot fall between.
            await Waits.UntilAsync(() => WarningDelivered() || second.HasExited, () => "the restarted process to deliver the warning and record it: " + second.Output, TimeSpan.FromSeconds(90));
            second.KillHard();
            var delivered = receiver.Requests.First(r => r.AnsweredWith == 200 && r.EventType == ConnectionEventTypes.ExpiryWarning);
            Assert.True(delivered.SignedWith(WebhookSecret), second.Output);
            Assert.Contains("\"days_left\":\"1\"", delivered.Text, StringComparison.Ordinal);
            Assert.True(delivered.Attempt >= 2);
        }

        var outbox = await OutboxAsync();
        var warning = outbox.Single(e => e.Event.Type == ConnectionEventTypes.ExpiryWarning);
        Assert.NotNull(warning.Deliveries.Single(d => d.Sink == "webhook").DeliveredAt);
    }

    [Fact]
    public async Task ConnectionsListAndShow_AndLifecyclePlan_ReportStateDeadlinesAndPlan_WithoutSecrets()
    {
        var grant = await RegisterAsync("crm", ProviderProfiles.Xero, DateTimeOffset.UtcNow);

        var (listExit, list) = await CliProcess.RunAsync(["connections", "list", "--store", StorePath, "--json"], Environment);
        var (showExit, show) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);
        var (planExit, plan) = await CliProcess.RunAsync(["lifecycle", "plan", "--store", StorePath, "--json"], Environment);
        var (humanExit, human) = await CliProcess.RunAsync(["connections", "list", "--store", StorePath], Environment);

        Assert.Equal(0, listExit);
        using var listJson = JsonDocument.Parse(list);
        var row = listJson.RootElement.GetProperty("connections")[0];
        Assert.Equal("crm", row.GetProperty("id").GetString());
        Assert.Equal("xero", row.GetProperty("provider").GetString());
        Assert.Equal("Active", row.GetProperty("state").GetString());
        Assert.Equal(0, row.GetProperty("consecutive_failures").GetInt32());
        Assert.True(row.GetProperty("idle_deadline").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddDays(59));
        Assert.Equal(0, showExit);
        using var showJson = JsonDocument.Parse(show);
        Assert.Equal(8, showJson.RootElement.GetProperty("refresh_token").GetString()!.Length);
        Assert.Equal(0, planExit);
        using var planJson = JsonDocument.Parse(plan);
        Assert.Contains(planJson.RootElement.GetProperty("schedule").EnumerateArray(), s => s.GetProperty("kind").GetString() == "keepalive");
        Assert.Equal(0, humanExit);
        Assert.Contains("crm", human, StringComparison.Ordinal);
        foreach (var output in new[] { list, show, plan, human })
        {
            Assert.DoesNotContain(grant, output, StringComparison.Ordinal);
            Assert.DoesNotContain("demo-secret", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task DemoLifecycle_AsAProcess_PrintsTheContractedJson()
    {
        var (exit, output) = await CliProcess.RunAsync(["demo", "--lifecycle", "--days", "180", "--json"]);

        Assert.True(exit == 0, output);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(180, root.GetProperty("days").GetInt32());
        var connections = root.GetProperty("connections").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal(["salesforce", "analytics", "xero", "google-testing"], connections.Keys);
        Assert.Equal("Active", connections["salesforce"].GetProperty("final_state").GetString());
        Assert.Equal(9, connections["salesforce"].GetProperty("keepalive_refreshes").GetInt32());
        Assert.Equal("Active", connections["xero"].GetProperty("final_state").GetString());
        Assert.Equal(4, connections["xero"].GetProperty("keepalive_refreshes").GetInt32());
        var analytics = connections["analytics"];
        Assert.Equal("ReconnectRequired", analytics.GetProperty("final_state").GetString());
        Assert.Equal([(76, 14), (83, 7), (87, 3), (89, 1)], analytics.GetProperty("warnings").EnumerateArray().Select(w => (w.GetProperty("day").GetInt32(), w.GetProperty("days_left").GetInt32())));
        var change = Assert.Single(analytics.GetProperty("state_changes").EnumerateArray());
        Assert.Equal((90, "Active", "ReconnectRequired", StateReasons.RefreshTokenExpired), (change.GetProperty("day").GetInt32(), change.GetProperty("from").GetString(), change.GetProperty("to").GetString(), change.GetProperty("reason").GetString()));
        var google = connections["google-testing"];
        Assert.Equal([0, 4, 6], google.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("day").GetInt32()));
        Assert.Equal(7, Assert.Single(google.GetProperty("state_changes").EnumerateArray()).GetProperty("day").GetInt32());
        var without = root.GetProperty("without_keepalive").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
        Assert.Equal(30, without["salesforce"].GetProperty("failed_on_day").GetInt32());
        Assert.Equal(60, without["xero"].GetProperty("failed_on_day").GetInt32());
        Assert.All(without.Values, c => Assert.Equal("ReconnectRequired", c.GetProperty("final_state").GetString()));
    }

    [Fact]
    public async Task DisableAndEnable_FromTheCommandLine_ChangeTheStateWithTheReason_AndRecordIt()
    {
        await RegisterAsync("crm", ProviderProfiles.Xero, DateTimeOffset.UtcNow);

        var (disableExit, disabled) = await CliProcess.RunAsync(["connections", "disable", "crm", "--reason", "ticket OPS-42", "--store", StorePath, "--json"], Environment);
        var (_, whileDisabled) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath, "--json"], Environment);
        var (enableExit, enabled) = await CliProcess.RunAsync(["connections", "enable", "crm", "--store", StorePath, "--json"], Environment);
        var (unknownExit, unknown) = await CliProcess.RunAsync(["connections", "disable", "nope", "--store", StorePath], Environment);

        Assert.True(disableExit == 0, disabled);
        using (var json = JsonDocument.Parse(disabled))
        {
            Assert.Equal("Disabled", json.RootElement.GetProperty("state").GetString());
            Assert.Equal(StateReasons.DisabledByOperator, json.RootElement.GetProperty("reason").GetString());
        }

        using (var show = JsonDocument.Parse(whileDisabled))
        {
            var last = show.RootElement.GetProperty("history").EnumerateArray().Last();
            Assert.Equal(("Active", "Disabled", "ticket OPS-42"), (last.GetProperty("from").GetString(), last.GetProperty("to").GetString(), last.GetProperty("detail").GetString()));
        }

        Assert.True(enableExit == 0, enabled);
        using (var json = JsonDocument.Parse(enabled))
        {
            Assert.Equal("Active", json.RootElement.GetProperty("state").GetString());
        }

        Assert.Equal(2, unknownExit);
        Assert.Contains("no connection 'nope'", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifecyclePlan_WarningDaysFromTheCommandLine_ReplaceTheDefaults_AndNonsenseIsExit2()
    {
        var authorized = DateTimeOffset.UtcNow;
        await RegisterAsync("reports", ProviderProfiles.MicrosoftEntra, authorized);
        await RegisterAsync("analytics", ProviderProfiles.GoogleTesting, authorized);

        var (exit, output) = await CliProcess.RunAsync(["lifecycle", "plan", "--warning-days", "5,2", "--store", StorePath, "--json"], Environment);
        var (badExit, bad) = await CliProcess.RunAsync(["lifecycle", "plan", "--warning-days", "7,soon", "--store", StorePath], Environment);

        Assert.True(exit == 0, output);
        using var json = JsonDocument.Parse(output);
        var warnings = json.RootElement.GetProperty("schedule").EnumerateArray().Where(s => s.GetProperty("kind").GetString() == "warning").ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal("analytics", w.GetProperty("connection_id").GetString()));
        var deadline = authorized.AddDays(7);
        Assert.Equal([deadline.AddDays(-5), deadline.AddDays(-2)], warnings.Select(w => w.GetProperty("at").GetDateTimeOffset()), new WithinASecond());
        Assert.Equal(2, badExit);
        Assert.Contains("'soon' is not a whole number of days", bad, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LifecycleRun_InTheForegroundWithJson_PrintsOneJsonLinePerPass_AndCtrlCEndsItCleanly()
    {
        await RegisterAsync("reports", ProviderProfiles.GoogleTesting, DateTimeOffset.UtcNow.AddDays(-6.5));

        using var run = CliProcess.Start(["lifecycle", "run", "--json", "--store", StorePath], Environment);
        await Waits.UntilAsync(() => run.StandardOutput.Contains('\n') || run.HasExited, () => "a first pass: " + run.Output, TimeSpan.FromSeconds(60));
        run.Interrupt();
        await run.WaitForExitAsync(TimeSpan.FromSeconds(30));

        // 130: ended by an interrupt (the shell convention), not 1 for an error, and nothing failed on the way out.
        Assert.True(run.ExitCode == 130, run.Output);
        Assert.DoesNotContain("pass failed", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Output, StringComparison.Ordinal);
        var line = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
        using var pass = JsonDocument.Parse(line);
        var action = Assert.Single(pass.RootElement.GetProperty("actions").EnumerateArray());
        Assert.Equal("warning", action.GetProperty("kind").GetString());
        Assert.True(pass.RootElement.GetProperty("next_due_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        Assert.Contains("Tokenkeeper.Lifecycle", run.Output, StringComparison.Ordinal); // the log went to stderr
        Assert.DoesNotContain("Tokenkeeper.Lifecycle", run.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutTheKey_CommandsFailWithExitCode2_AndSayWhy()
    {
        await RegisterAsync("crm", ProviderProfiles.Xero, DateTimeOffset.UtcNow);

        var (exit, output) = await CliProcess.RunAsync(["connections", "list", "--store", StorePath], new Dictionary<string, string> { ["TOKENKEEPER_KEY"] = EncryptionKeys.NewKey() });

        Assert.Equal(2, exit);
        Assert.Contains("cannot be decrypted", output, StringComparison.Ordinal);
    }

    /// <summary>A secret rotation as an operator does it: a second secret added to the file with the command (which shows only
    /// fingerprints), and the next delivery signed with both, so a receiver with either verifies it (by its own check).</summary>
    [Fact]
    public async Task ASecretAddedToTheFile_SignsBesideTheOldOne_AndTheCommandNeverPrintsASecret()
    {
        await RegisterAsync("reports", ProviderProfiles.GoogleTesting, DateTimeOffset.UtcNow.AddDays(-6.5));
        await using var receiver = await WebhookReceiver.StartAsync();
        var secretFile = Path.Combine(_directory, "hook-secrets");
        var (firstExit, first) = await CliProcess.RunAsync(["lifecycle", "webhook-secret", "--add", secretFile], Environment);
        var (secondExit, second) = await CliProcess.RunAsync(["lifecycle", "webhook-secret", "--add", secretFile], Environment);
        var secrets = (await File.ReadAllLinesAsync(secretFile)).Where(l => l.Length > 0).ToArray();

        var (runExit, run) = await CliProcess.RunAsync(["lifecycle", "run", "--once", "--store", StorePath, "--webhook", receiver.Url.ToString(), "--webhook-secret-file", secretFile], Environment);

        Assert.Equal((0, 0), (firstExit, secondExit));
        Assert.Equal(2, secrets.Length);
        Assert.All(secrets, line => Assert.StartsWith("whsec_", line, StringComparison.Ordinal));
        Assert.All(secrets, line => Assert.DoesNotContain(line["whsec_".Length..], first + second + run, StringComparison.Ordinal));
        Assert.Contains("2 secret(s) now sign every delivery", second, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
        }

        Assert.Equal(0, runExit);
        var warning = receiver.Requests.Single(r => r.EventType == ConnectionEventTypes.ExpiryWarning);
        Assert.True(warning.SignedWith(secrets[0]), run);
        Assert.True(warning.SignedWith(secrets[1]), run);
        Assert.Contains("\"cause\":\"credential\"", warning.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecretOnTheCommandLine_IsRefused_WithWhereToPutIt_AndNoSecretIsAnErrorThatSaysWhereToGetOne()
    {
        await RegisterAsync("reports", ProviderProfiles.GoogleTesting, DateTimeOffset.UtcNow.AddDays(-6.5));
        const string Typed = "whsec_dGhpcy1pcy1hLXNlY3JldC1vbi1hLWNvbW1hbmQtbGluZQ==";

        var (flagExit, flag) = await CliProcess.RunAsync(["lifecycle", "run", "--once", "--store", StorePath, "--webhook", "http://127.0.0.1:9/hook", "--webhook-secret", Typed], Environment);
        var (noneExit, none) = await CliProcess.RunAsync(["lifecycle", "run", "--once", "--store", StorePath, "--webhook", "http://127.0.0.1:9/hook"], new Dictionary<string, string>(Environment) { ["TOKENKEEPER_WEBHOOK_SECRETS"] = "", ["TOKENKEEPER_WEBHOOK_SECRET"] = "old-plain-secret" });
        var (badExit, bad) = await CliProcess.RunAsync(["lifecycle", "run", "--once", "--store", StorePath, "--webhook", "http://127.0.0.1:9/hook"], new Dictionary<string, string>(Environment) { ["TOKENKEEPER_WEBHOOK_SECRETS"] = "not-a-whsec-secret" });

        Assert.Equal(2, flagExit);
        Assert.Contains("--webhook-secret is no longer accepted", flag, StringComparison.Ordinal);
        Assert.Contains("--webhook-secret-file", flag, StringComparison.Ordinal);
        Assert.DoesNotContain(Typed[6..], flag, StringComparison.Ordinal);
        Assert.Equal(2, noneExit);
        Assert.Contains("TOKENKEEPER_WEBHOOK_SECRETS", none, StringComparison.Ordinal);
        Assert.Contains("lifecycle webhook-secret --add", none, StringComparison.Ordinal);
        Assert.Contains("TOKENKEEPER_WEBHOOK_SECRET is no longer read", none, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains("does not start with 'whsec_'", bad, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-whsec-secret", bad, StringComparison.Ordinal);
        Assert.DoesNotContain(Store.Outbox().SelectMany(e => e.Deliveries), d => d.Sink == "webhook"); // nothing was sent unsigned
    }

    private async Task<string> RegisterAsync(string id, ProviderProfile profile, DateTimeOffset authorizedAt) =>
        (await Store.RegisterAsync(_simulator, id, profile, authorizedAt)).RefreshToken!;

    private sealed class WithinASecond : IEqualityComparer<DateTimeOffset>
    {
        public bool Equals(DateTimeOffset x, DateTimeOffset y) => (x - y).Duration() < TimeSpan.FromSeconds(1);

        public int GetHashCode(DateTimeOffset obj) => 0;
    }

    private bool WarningAttemptFailed() =>
        OutboxAsync().GetAwaiter().GetResult().Any(e => e.Event.Type == ConnectionEventTypes.ExpiryWarning && e.Deliveries.Any(d => d.Sink == "webhook" && d.LastError is not null));

    private bool WarningDelivered() =>
        Store.Outbox().Any(e => e.Event.Type == ConnectionEventTypes.ExpiryWarning && e.Deliveries.Any(d => d.Sink == "webhook" && d.DeliveredAt is not null));

    private Task<IReadOnlyList<OutboxEntry>> OutboxAsync() => Task.FromResult(Store.Outbox());
}
