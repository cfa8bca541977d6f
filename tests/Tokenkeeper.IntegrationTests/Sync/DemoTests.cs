
namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>The one-command demo runs end to end in a real process: hostile provider, clean finish, exactly-once verdict.</summary>
public sealed class DemoTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-demo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Demo_WithFaultsAndShortTokens_DeliversEveryContactExactlyOnce_AndReportsTheSimulatorsView()
    {
        var result = await RunDemoAsync("--contacts", "5000", "--access-ttl", "2s", "--fault-rate", "0.1", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = result.Json;
        var simulator = report["simulator"]!;
        Assert.Equal("completed", (string?)report["status"]);
        Assert.Equal(5000, (long)report["records_written"]!);
        Assert.Equal(0, (long)report["failures_surfaced"]!);
        Assert.True((long)report["token_refreshes"]! >= 2, result.ToString());
        Assert.Equal(5000, (long)simulator["contacts_stored_distinct"]!);
        Assert.Equal(0, (long)simulator["refresh_token_reuse_attempts"]!);
        Assert.True((long)simulator["faults_injected"]!["total"]! > 0, result.ToString());
        Assert.True((long)simulator["tokens_issued"]!["refresh_token"]! >= 2, result.ToString());
        Assert.NotNull(simulator["duplicate_writes_absorbed"]);
        Assert.Contains("Generated a local encryption key", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_ForPeople_EndsWithTheExactlyOnceVerdictAndTheProvidersView()
    {
        var result = await RunDemoAsync("--contacts", "1000", "--fault-rate", "0");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Every one of the 1,000 contacts arrived exactly once.", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("The provider's view", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("No faults injected", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("all absorbed", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("demo-secret", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    private async Task<CliResult> RunDemoAsync(params string[] arguments)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Tokenkeeper.Cli.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        start.ArgumentList.Add("demo");
        start.ArgumentList.Add("--dir");
        start.ArgumentList.Add(_directory);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("TOKENKEEPER_KEY");
        using var process = new CliProcess(System.Diagnostics.Process.Start(start)!);
        return await process.WaitAsync();
    }
}
