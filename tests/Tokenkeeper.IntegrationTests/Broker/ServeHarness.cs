using System.Text.RegularExpressions;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>A store in a temporary folder with connection <c>crm</c> registered at a simulator, a reader key for it, and
/// <c>tokenkeeper serve</c> processes started on it.</summary>
internal sealed partial class ServeHarness : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-serve-").FullName;

    private ServeHarness(SimulatorServer simulator) => Simulator = simulator;

    public SimulatorServer Simulator { get; }

    public string Key { get; } = EncryptionKeys.NewKey();

    /// <summary>A reader key for <c>crm</c>, added to the store (null when the harness was made without one).</summary>
    public string? ApiKey { get; private set; }

    public string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    public Dictionary<string, string> Environment => new() { ["TOKENKEEPER_KEY"] = Key };

    /// <summary>Starts the simulator, registers <c>crm</c>, and adds a reader key for it unless <paramref name="withApiKey"/> is false.</summary>
    public static async Task<ServeHarness> StartAsync(SimulatorOptions options, bool withApiKey = true)
    {
        var harness = new ServeHarness(await SimulatorServer.StartAsync(options));
        await new CliStore(harness.StorePath, harness.Key).RegisterAsync(harness.Simulator, "crm", ProviderProfiles.Generic, DateTimeOffset.UtcNow);
        if (withApiKey)
        {
            var apiKey = ApiKeys.Generate();
            using var protector = new AesGcmSecretProtector(Convert.FromBase64String(harness.Key));
            using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = harness.StorePath, Protector = protector });
            await store.AddKeyAsync(new ApiKeyRecord("job", ApiKeys.Hash(apiKey), ApiKeyRoles.Reader, ["crm"], DateTimeOffset.UtcNow));
            harness.ApiKey = apiKey;
        }

        return harness;
    }

    /// <summary>Starts <c>tokenkeeper serve</c> on a free loopback port and returns it with its address once it listens.</summary>
    public async Task<(CliProcess Process, Uri Url)> ServeAsync()
    {
        var serve = CliProcess.Start(["serve", "--store", StorePath, "--urls", "http://127.0.0.1:0"], Environment);
        await Waits.UntilAsync(() => Listening().IsMatch(serve.Output) || serve.HasExited, () => "serve to listen: " + serve.Output, TimeSpan.FromSeconds(60));
        Assert.False(serve.HasExited, serve.Output);
        return (serve, new Uri(Listening().Match(serve.Output).Groups[1].Value));
    }

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
