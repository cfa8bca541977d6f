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

/// <summary>
/// The outbox survives the process that wrote it, with real <c>tokenkeeper lifecycle run</c> processes over one SQLite store:
/// an event written by a process killed before any webhook delivery was tried, and an event claimed by a process killed in the
/// middle of delivering it, are both delivered by the next process, signed, exactly once.
/// </summary>
public sealed class OutboxCrashTests : IAsyncLifetime
{
    private static readonly string WebhookSecret = StandardWebhooksCheck.NewSecret();
    private const string ReconnectTemplate = "https://broker.example/connections/{connection}/reconnect";
    private static readonly TimeSpan ProcessPatience = TimeSpan.FromSeconds(90);
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-outbox-crash-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    private Dictionary<string, string> Environment => new() { ["TOKENKEEPER_KEY"] = _key, ["TOKENKEEPER_WEBHOOK_SECRETS"] = WebhookSecret }; // secrets from the environment, never the command line

    public async Task InitializeAsync() => _simulator = await SimulatorServer.StartAsync(new SimulatorOptions());

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AnEventWrittenByAProcessKilledBeforeAnyWebhookDelivery_IsDeliveredSignedByTheNextProcess()
    {
        // A Xero grant authorised 41 days ago (its keep-alive is due) that the user has since revoked at the provider.
        var grant = await RegisterAsync("crm", ProviderProfiles.Xero, DateTimeOffset.UtcNow.AddDays(-41));
        _simulator.RevokeGrant(grant.GrantId);
        await using var receiver = await WebhookReceiver.StartAsync();

        // A lifecycle service with no webhook finds the dead grant, writes the alert and is killed.
        using (var first = CliProcess.Start(["lifecycle", "run", "--store", StorePath], Environment))
        {
            await Waits.UntilAsync(() => Outbox().Any(e => e.Event.Type == ConnectionEventTypes.ReconnectRequired) || first.HasExited, () => "the first process to write the alert: " + first.Output, ProcessPatience);
            first.KillHard();
        }

        var written = Outbox().Single(e => e.Event.Type == ConnectionEventTypes.ReconnectRequired);
        Assert.DoesNotContain(written.Deliveries, d => d.Sink == "webhook");
        Assert.Empty(receiver.Requests);

        string[] run = ["lifecycle", "run", "--store", StorePath, "--webhook", receiver.Url.ToString(), "--reconnect-url", ReconnectTemplate];
        using (var second = CliProcess.Start(run, Environment))
        {
            // Wait for the delivery to be recorded in the store, not just for the POST to arrive: the receiver answers before the
            // dispatcher writes "delivered", and killing the process in between would (rightly) leave the event undelivered.
            await Waits.UntilAsync(() => DeliveredToWebhook(written.Sequence) || second.HasExited, () => "the next process to deliver the alert and record it: " + second.Output, ProcessPatience);
            second.KillHard();
        }

        var delivered = Assert.Single(receiver.Requests, r => r.EventType == ConnectionEventTypes.ReconnectRequired);
        Assert.Equal((200, 1, written.Event.Id.ToString()), (delivered.AnsweredWith, delivered.Attempt, delivered.DeliveryId));
        Assert.True(delivered.SignedWith(WebhookSecret));
        using var json = JsonDocument.Parse(delivered.Body);
        var root = json.RootElement;
        Assert.Equal(written.Event.Id.ToString(), root.GetProperty("id").GetString());
        Assert.Equal("crm", root.GetProperty("connection_id").GetString());
        Assert.Equal(nameof(ConnectionState.ReconnectRequired), root.GetProperty("state").GetString());
        Assert.Equal(StateReasons.Revoked, root.GetProperty("reason").GetString());
        Assert.Equal("https://broker.example/connections/crm/reconnect", root.GetProperty("reconnect_url").GetString());
        Assert.DoesNotContain(grant.RefreshToken!, delivered.Text, StringComparison.Ordinal);
        Assert.NotNull(Outbox().Single(e => e.Sequence == written.Sequence).Deliveries.Single(d => d.Sink == "webhook").DeliveredAt);
    }

    [Fact]
    public async Task AProcessKilledMidDelivery_LeavesItsEventsClaimed_TheNextProcessDeliversThemAfterTheClaimLapses_ExactlyOnce()
    {
        // A google-testing grant authorised 6½ days ago: its 1-day warning is due as soon as the service looks.
        await RegisterAsync("reports", ProviderProfiles.GoogleTesting, DateTimeOffset.UtcNow.AddDays(-6.5));
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hang = true;
        string[] run = ["lifecycle", "run", "--store", StorePath, "--webhook", receiver.Url.ToString(), ];

        // The first process claims the due events and is killed while the receiver holds its first POST (before the 10 s timeout).
        using (var first = CliProcess.Start(run, Environment))
        {
            await Waits.UntilAsync(() => !receiver.Requests.IsEmpty || first.HasExited, () => "the first process to start a delivery: " + first.Output, ProcessPatience);
            first.KillHard();
        }

        var hung = Assert.Single(receiver.Requests);
        var claimed = Outbox();
        Assert.Contains(claimed, e => e.Event.Type == ConnectionEventTypes.ExpiryWarning);
        Assert.All(claimed, e =>
        {
            // Claimed (one attempt counted), with no outcome recorded: no other dispatcher may take it until the claim lapses.
            var webhook = e.Deliveries.Single(d => d.Sink == "webhook");
            Assert.Equal((1, null, null, null), (webhook.Attempts, webhook.DeliveredAt, webhook.DeadLetteredAt, webhook.LastError));
        });

        receiver.Hang = false;
        using (var second = CliProcess.Start(run, Environment))
        {
            // As above: wait until every delivery is recorded in the store, which happens after the receiver has answered.
            await Waits.UntilAsync(() => claimed.All(e => DeliveredToWebhook(e.Sequence)) || second.HasExited, () => "the next process to deliver every claimed event and record it: " + second.Output, ProcessPatience);
            second.KillHard();
        }

        // One more pass by another process sends nothing again.
        var (exit, output) = await CliProcess.RunAsync([.. run, "--once"], Environment);
        Assert.True(exit == 0, output);

        var requests = receiver.Requests.ToList();
        Assert.True(requests.Where(r => r.AnsweredWith == 200).Min(r => r.ReceivedAt) >= hung.ReceivedAt + LifecycleConstants.OutboxClaimFor - TimeSpan.FromSeconds(1), "an event was sent again while still claimed");
        foreach (var entry in claimed)
        {
            var id = entry.Event.Id.ToString();
            var accepted = Assert.Single(requests, r => r.DeliveryId == id && r.AnsweredWith == 200);
            Assert.Equal(2, accepted.Attempt);
            Assert.True(accepted.SignedWith(WebhookSecret));
            Assert.Equal(id == hung.DeliveryId ? 2 : 1, requests.Count(r => r.DeliveryId == id));
        }

        Assert.All(Outbox(), e => Assert.NotNull(e.Deliveries.Single(d => d.Sink == "webhook").DeliveredAt));
        var warning = requests.Single(r => r.EventType == ConnectionEventTypes.ExpiryWarning);
        Assert.Contains("\"days_left\":\"1\"", warning.Text, StringComparison.Ordinal);
    }

    private Task<GrantTokens> RegisterAsync(string id, ProviderProfile profile, DateTimeOffset authorizedAt) =>
        new CliStore(StorePath, _key).RegisterAsync(_simulator, id, profile, authorizedAt);

    private IReadOnlyList<OutboxEntry> Outbox() => new CliStore(StorePath, _key).Outbox();

    private bool DeliveredToWebhook(long sequence) =>
        Outbox().Single(e => e.Sequence == sequence).Deliveries.Any(d => d.Sink == "webhook" && d.DeliveredAt is not null);
}
