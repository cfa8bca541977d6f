using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using SyncHarness = Tokenkeeper.IntegrationTests.Sync.SyncHarness;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Cli;

/// <summary>
/// What the real <c>tokenkeeper</c> process says about the store it was pointed at (issue 13, items 8 and 9): a URL-shaped store
/// is refused, not turned into a file under a folder named <c>postgres:</c>; an unknown connection id lists the ids the store
/// does hold.
/// </summary>
public sealed class StoreArgumentTests : IAsyncLifetime
{
    private const string Password = "s3cret-pw";
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-store-args-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    private Dictionary<string, string> Environment => new() { ["TOKENKEEPER_KEY"] = _key };

    public async Task InitializeAsync() => _simulator = await SimulatorServer.StartAsync(new SimulatorOptions());

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_store_given_as_a_url_on_the_command_line_is_refused_with_the_forms_that_work_and_without_its_password()
    {
        var (exit, output) = await CliProcess.RunAsync(["connections", "list", "--store", $"postgres://admin:{Password}@db.example/tokens"], Environment, _directory);

        Assert.Equal(2, exit);
        Assert.Contains("--store is a postgres:// URL", output, StringComparison.Ordinal);
        Assert.Contains("only in a SQLite file", output, StringComparison.Ordinal);
        Assert.Contains("\"tokenkeeper.db\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public async Task A_job_file_whose_store_is_a_url_is_refused_before_anything_is_created_or_sent()
    {
        await using var harness = await SyncHarness.StartAsync(new SimulatorOptions { Contacts = 10 });
        await harness.WriteJobAsync(change: job => job["store"] = $"postgresql://admin:{Password}@db.example:5432/tokens");

        var result = await harness.RunSyncAsync();

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.store: is a postgresql:// URL", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(harness.Directory, "postgresql:")), "a folder named after the URL's scheme was created");
        Assert.Equal(0, harness.Simulator.GetStats().TokenRequests);
    }

    [Fact]
    public async Task An_unknown_connection_id_is_answered_with_the_ids_the_store_holds()
    {
        var store = new CliStore(StorePath, _key);
        await store.RegisterAsync(_simulator, "crm-read", ProviderProfiles.Generic, DateTimeOffset.UtcNow);
        await store.RegisterAsync(_simulator, "crm-write", ProviderProfiles.Generic, DateTimeOffset.UtcNow);

        var (showExit, show) = await CliProcess.RunAsync(["connections", "show", "crm-raed", "--store", StorePath], Environment);
        var (disableExit, disable) = await CliProcess.RunAsync(["connections", "disable", "crm", "--store", StorePath], Environment);

        Assert.Equal(2, showExit);
        Assert.Contains("The store has no connection 'crm-raed'. It holds: crm-read, crm-write.", show, StringComparison.Ordinal);
        Assert.Equal(2, disableExit);
        Assert.Contains("The store has no connection 'crm'. It holds: crm-read, crm-write.", disable, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_connection_id_in_an_empty_store_says_the_store_holds_none()
    {
        using (var protector = new AesGcmSecretProtector(Convert.FromBase64String(_key)))
        using (new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector }))
        {
        }

        var (exit, output) = await CliProcess.RunAsync(["connections", "show", "crm", "--store", StorePath], Environment);

        Assert.Equal(2, exit);
        Assert.Contains("The store has no connection 'crm'. It holds no connections yet", output, StringComparison.Ordinal);
    }
}
