using System.Diagnostics;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Samples;

/// <summary>The README's example, run as its own process against the simulator, twice.</summary>
public sealed class QuickStartTests
{
    [Fact]
    public async Task ReadmeExample_RunsTwice_TheSecondRunUsesTheStoredRotatedToken()
    {
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Rotation = RotationMode.ReuseDetection, Personality = "hubspot" });
        var grant = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
        var directory = Directory.CreateTempSubdirectory("tk-quickstart-").FullName;
        var key = EncryptionKeys.NewKey();
        try
        {
            var first = await RunAsync(directory, key, simulator, grant.RefreshToken!);
            var second = await RunAsync(directory, key, simulator, grant.RefreshToken!);

            foreach (var (exitCode, output) in new[] { first, second })
            {
                Assert.True(exitCode == 0, output);
                Assert.Equal(20, output.Split('\n').Count(line => line.EndsWith(": 200", StringComparison.Ordinal)));
                Assert.All(Enumerable.Range(1, 20), page => Assert.Contains($"page {page} (100 contacts): 200", output, StringComparison.Ordinal));
                Assert.DoesNotContain(grant.RefreshToken!, output, StringComparison.Ordinal);
            }

            var stats = simulator.GetStats();
            Assert.Equal(0, stats.RefreshTokenReuseAttempts);
            Assert.Equal(0, stats.GrantsRevoked);
            using var protector = new AesGcmSecretProtector(Convert.FromBase64String(key));
            using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(directory, "quickstart.db"), Protector = protector });
            var stored = await store.GetAsync("crm");
            Assert.NotEqual(grant.RefreshToken, stored!.Tokens!.RefreshToken!.Value.Value);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ReadmeExample_RunAgainWithANewKey_EndsWithAClearSentenceAndExitTwo_NotAStackTrace()
    {
        // Issue 13, item 3: a second shell that generated its own key, with the first shell's store still there.
        await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { Rotation = RotationMode.ReuseDetection, Personality = "hubspot" });
        var grant = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
        var directory = Directory.CreateTempSubdirectory("tk-quickstart-").FullName;
        var key = EncryptionKeys.NewKey();
        try
        {
            var first = await RunAsync(directory, key, simulator, grant.RefreshToken!);
            var again = await RunAsync(directory, EncryptionKeys.NewKey(), simulator, grant.RefreshToken!);

            Assert.True(first.ExitCode == 0, first.Output);
            Assert.Equal(2, again.ExitCode);
            Assert.Contains("cannot be decrypted with the key given", again.Output, StringComparison.Ordinal);
            Assert.Contains($"encrypted with key {AesGcmSecretProtector.KeyIdOf(Convert.FromBase64String(key))}", again.Output, StringComparison.Ordinal);
            Assert.Contains("TOKENKEEPER_KEY", again.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", again.Output, StringComparison.Ordinal); // no stack trace
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string directory, string key, SimulatorServer simulator, string refreshToken)
    {
        var start = new ProcessStartInfo("dotnet", [RepoPaths.Output("samples/QuickStart", "QuickStart.dll")])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TOKENKEEPER_KEY"] = key;
        start.Environment["CRM_TOKEN_URL"] = simulator.TokenEndpoint.ToString();
        start.Environment["CRM_API_URL"] = simulator.BaseAddress.ToString();
        start.Environment["CRM_CLIENT_ID"] = "demo-client";
        start.Environment["CRM_CLIENT_SECRET"] = "demo-secret";
        start.Environment["CRM_REFRESH_TOKEN"] = refreshToken;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }
}
