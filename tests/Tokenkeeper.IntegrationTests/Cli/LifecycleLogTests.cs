using Tokenkeeper.Connections;
using Tokenkeeper.Hosting;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// <c>tokenkeeper lifecycle run --once</c> delivering events that happened hours earlier (issue 13, item 6) logs each with the
/// time it occurred and says it is late, instead of stamping it with the current time as if it had just happened; and no log
/// line says "(null)" for an event without a reason or detail; <c>connections show</c> says an event was not sent, or went to
/// the log only because no webhook is configured, instead of "pending".
/// </summary>
public sealed class LifecycleLogTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-lifecycle-log-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    public async Task InitializeAsync() => _simulator = await SimulatorServer.StartAsync(new SimulatorOptions());

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Old_events_are_logged_with_when_they_occurred_and_no_line_says_null()
    {
        // A sync three hours ago: the connection was registered and refreshed then, and nothing has delivered its events since.
        var then = DateTimeOffset.UtcNow.AddHours(-3);
        var grant = await _simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
        using (var protector = new AesGcmSecretProtector(Convert.FromBase64String(_key)))
        using (var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector }, new ManualTimeProvider(then)))
        {
            using var http = new HttpClient();
            var clock = new ManualTimeProvider(then);
            await using var manager = new TokenManager(store, new TokenEndpointClient(http, clock), timeProvider: clock);
            await manager.RegisterAsync(new ConnectionOptions
            {
                TokenEndpoint = _simulator.TokenEndpoint,
                ClientId = "demo-client",
                ClientSecret = "demo-secret",
                RefreshToken = grant.RefreshToken,
            }.ToDefinition("crm"));
            await manager.GetAccessTokenAsync("crm");
        }

        var environment = new Dictionary<string, string> { ["TOKENKEEPER_KEY"] = _key, ["COLUMNS"] = "400" };
        var (_, before) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath], environment);
        Assert.Contains("not sent: no lifecycle run has delivered it yet (webhooks: lifecycle run --webhook URL)", before, StringComparison.Ordinal);

        var (exit, output) = await CliProcess.RunAsync(["lifecycle", "run", "--once", "--no-keepalive", "--store", StorePath], environment);

        Assert.True(exit == 0, output);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var refreshed = Assert.Single(lines, l => l.Contains("Connection crm: refreshed:", StringComparison.Ordinal));
        Assert.Contains($"occurred {then:yyyy-MM-dd'T'HH}", refreshed, StringComparison.Ordinal);
        Assert.Matches(@"3h \d+m ago: delivered late", refreshed);
        Assert.Contains(lines, l => l.Contains("Connection crm: state_changed:", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("(null)", StringComparison.Ordinal));

        // Delivered to the log only: `connections show` says no webhook saw it, rather than "pending" forever.
        var (_, after) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath], environment);
        Assert.Contains("; no webhook configured", after, StringComparison.Ordinal);
        Assert.DoesNotContain("not sent", after, StringComparison.Ordinal);
    }
}
