using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Tokenkeeper.Hosting;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Benchmarks.Sync;

/// <summary>What one refresh costs, bottom up: forced refreshes of a rotating connection on the SQLite store against the
/// in-process simulator (token request, rotation, encrypted compare-and-swap commit), in wall and CPU time (client and
/// simulator together).</summary>
internal static class RefreshCost
{
    public static async Task<(TimeSpan Wall, TimeSpan Cpu)> MeasureAsync(int refreshes)
    {
        var directory = Directory.CreateTempSubdirectory("tk-bench-refresh-").FullName;
        try
        {
            await using var simulator = await SimulatorServer.StartAsync(new SimulatorOptions { AccessTtl = TimeSpan.FromSeconds(20), Rotation = RotationMode.ReuseDetection });
            var grant = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
            using var protector = new AesGcmSecretProtector([RandomNumberGenerator.GetBytes(32)]);
            using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(directory, "refresh.db"), Protector = protector });
            using var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(store, new TokenEndpointClient(http), new TokenManagerOptions { TokenEndpointRequestsPerSecond = 10_000, TokenEndpointBurst = 10_000 });
            await manager.RegisterAsync(new ConnectionOptions { TokenEndpoint = simulator.TokenEndpoint, ClientId = "demo-client", ClientSecret = "demo-secret", RefreshToken = grant.RefreshToken }.ToDefinition("c"));
            for (var i = 0; i < 20; i++)
            {
                await manager.RefreshAsync("c");
            }

            using var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            for (var i = 0; i < refreshes; i++)
            {
                await manager.RefreshAsync("c");
            }

            var wall = Stopwatch.GetElapsedTime(started);
            process.Refresh();
            return (wall / refreshes, (process.TotalProcessorTime - cpu) / refreshes);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
