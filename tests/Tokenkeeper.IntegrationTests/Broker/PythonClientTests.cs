using System.Diagnostics;
using System.Text.RegularExpressions;
using Tokenkeeper.Broker.Keys;
using Tokenkeeper.Connections;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>The README's Python example (samples/python/read_contacts.py, standard library only) reads every contact through a
/// real <c>tokenkeeper serve</c> while the API revokes one access token in ten: each 401 is reported to the service
/// (compare-and-refresh) and the page read again; the job has no token handling of its own beyond asking the service.</summary>
public sealed partial class PythonClientTests : IAsyncLifetime
{
    private const int Contacts = 1500;
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-python-").FullName;
    private readonly string _key = EncryptionKeys.NewKey();
    private readonly string _apiKey = ApiKeys.Generate();
    private SimulatorServer _simulator = null!;

    private string StorePath => Path.Combine(_directory, "tokenkeeper.db");

    public async Task InitializeAsync()
    {
        _simulator = await SimulatorServer.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromSeconds(30), Contacts = Contacts, RevokeRate = 0.1 });
        await new CliStore(StorePath, _key).RegisterAsync(_simulator, "crm", ProviderProfiles.Generic, DateTimeOffset.UtcNow);
        using var protector = new AesGcmSecretProtector(Convert.FromBase64String(_key));
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector });
        await store.AddKeyAsync(new ApiKeyRecord("python-job", ApiKeys.Hash(_apiKey), ApiKeyRoles.Reader, ["crm"], DateTimeOffset.UtcNow));
    }

    public async Task DisposeAsync()
    {
        await _simulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task TheReadmePythonJob_ReadsEveryContact_ThroughTheService()
    {
        using var serve = CliProcess.Start(["serve", "--store", StorePath, "--urls", "http://127.0.0.1:0"], new Dictionary<string, string> { ["TOKENKEEPER_KEY"] = _key });
        await Waits.UntilAsync(() => Listening().IsMatch(serve.Output) || serve.HasExited, () => "serve to listen: " + serve.Output, TimeSpan.FromSeconds(60));
        var url = Listening().Match(serve.Output).Groups[1].Value;
        var script = Path.Combine(RepositoryRoot(), "samples", "python", "read_contacts.py");
        var start = new ProcessStartInfo("python3") { ArgumentList = { script }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["TOKENKEEPER_URL"] = url;
        start.Environment["TOKENKEEPER_API_KEY"] = _apiKey;
        start.Environment["CONNECTION"] = "crm";
        start.Environment["API_BASE"] = _simulator.BaseAddress.ToString();

        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        serve.Terminate();
        await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(python.ExitCode == 0, await error);
        Assert.Equal($"read {Contacts} contacts", (await output).Trim());
        Assert.True(_simulator.GetStats().TokensIssuedTotal >= 2, "revoked access tokens should have been replaced during the run");
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Tokenkeeper.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Tokenkeeper.sln) was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();
}
