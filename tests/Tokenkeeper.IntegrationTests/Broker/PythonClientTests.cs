using System.Diagnostics;
using Tokenkeeper.Simulator;

namespace Tokenkeeper.IntegrationTests.Broker;

/// <summary>The README's Python example (samples/python/read_contacts.py, standard library only) reads every contact through a
/// real <c>tokenkeeper serve</c> while the API revokes one access token in ten: each 401 is reported to the service
/// (compare-and-refresh) and the page read again; the job has no token handling of its own beyond asking the service.</summary>
public sealed class PythonClientTests : IAsyncLifetime
{
    private const int Contacts = 1500;
    private ServeHarness _harness = null!;

    public async Task InitializeAsync() =>
        _harness = await ServeHarness.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromSeconds(30), Contacts = Contacts, RevokeRate = 0.1 });

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task TheReadmePythonJob_ReadsEveryContact_ThroughTheService()
    {
        var (serve, url) = await _harness.ServeAsync();
        using var serving = serve;
        var script = Path.Combine(RepositoryRoot(), "samples", "python", "read_contacts.py");
        var start = new ProcessStartInfo("python3") { ArgumentList = { script }, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["TOKENKEEPER_URL"] = url.ToString();
        start.Environment["TOKENKEEPER_API_KEY"] = _harness.ApiKey;
        start.Environment["CONNECTION"] = "crm";
        start.Environment["API_BASE"] = _harness.Simulator.BaseAddress.ToString();

        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        serve.Terminate();
        await serve.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(python.ExitCode == 0, await error);
        Assert.Equal($"read {Contacts} contacts", (await output).Trim());
        Assert.True(_harness.Simulator.GetStats().TokensIssuedTotal >= 2, "revoked access tokens should have been replaced during the run");
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
}
