using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Hosting;
using Tokenkeeper.Http;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Sync;
using Tokenkeeper.Sync.Running;

namespace Tokenkeeper.Benchmarks.Sync;

/// <summary>One full sync, wired as <c>tokenkeeper sync</c> wires it (SQLite store, token manager, handler-carrying clients),
/// against a fresh in-process simulator.</summary>
internal static class SyncRun
{
    public sealed record Outcome(string Variant, long Records, TimeSpan Elapsed, long Refreshes, long Replays, long Retries, long TokensIssued)
    {
        public double RecordsPerSecond => Records / Elapsed.TotalSeconds;

        /// <summary>Time the sync's requests spent waiting for a token, over both connections.</summary>
        public TimeSpan TokenWait { get; init; }

        public long TokenCalls { get; init; }

        public long SlowTokenCalls { get; init; }

        /// <summary>CPU time of the whole process (sync and simulator) during the run: less disturbed by other load than wall time.</summary>
        public TimeSpan Cpu { get; init; }

        /// <summary>CPU microseconds per record.</summary>
        public double CpuPerRecord => Cpu.TotalMicroseconds / Records;

        /// <summary>Token waiting as a share of the run (the two connections' requests are sequential, so this adds up).</summary>
        public double TokenWaitShare => TokenWait / Elapsed;
    }

    /// <summary>The client <see cref="SyncHttpClients.Create"/> builds, with the token source timed.</summary>
    private static HttpClient Client(TokenManager manager, TimedTokenSource tokens, TokenkeeperMetrics metrics)
    {
        var handler = new TokenkeeperHandler(tokens, new TokenkeeperHandlerOptions(), ct => manager.GetAuthFailureMatcherAsync(tokens.ConnectionId, ct), TimeProvider.System, metrics)
        {
            InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false },
        };
        return new HttpClient(handler) { Timeout = SyncConstants.DefaultRequestTimeout };
    }

    public static async Task<Outcome> RunAsync(string variant, SimulatorOptions options, int pageSize, int batchSize)
    {
        var directory = Directory.CreateTempSubdirectory("tk-bench-sync-").FullName;
        try
        {
            await using var simulator = await SimulatorServer.StartAsync(options);
            var read = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:read");
            var write = await simulator.CreateGrantAsync("demo-client", "test-user", "contacts:write");
            using var protector = new AesGcmSecretProtector([RandomNumberGenerator.GetBytes(32)]);
            using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(directory, "bench.db"), Protector = protector });
            using var metrics = new TokenkeeperMetrics();
            using var tokenHttp = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
            await using var manager = new TokenManager(store, new TokenEndpointClient(tokenHttp), options: null, timeProvider: null, loggerFactory: null, metrics: metrics);
            await manager.RegisterAsync(Connection("crm", simulator, read.RefreshToken!, "contacts:read"));
            await manager.RegisterAsync(Connection("sell", simulator, write.RefreshToken!, "contacts:write"));
            var sourceTokens = new TimedTokenSource(manager.GetSource("crm"));
            var destinationTokens = new TimedTokenSource(manager.GetSource("sell"));
            using var source = Client(manager, sourceTokens, metrics);
            using var destination = Client(manager, destinationTokens, metrics);
            var job = new SyncJob
            {
                Id = "bench",
                Source = new SyncSource { ConnectionId = "crm", Url = new Uri(simulator.BaseAddress, "api/contacts"), CursorField = "next_cursor", CursorParam = "cursor", LimitParam = "limit", PageSize = pageSize },
                Destination = new SyncDestination { ConnectionId = "sell", Url = new Uri(simulator.BaseAddress, "api/contacts/batch"), BatchSize = batchSize },
            };
            var engine = new SyncEngine(job, source, destination, store);
            using var process = Process.GetCurrentProcess();
            var cpuBefore = process.TotalProcessorTime;
            var started = Stopwatch.GetTimestamp();
            var result = await engine.RunAsync();
            var elapsed = Stopwatch.GetElapsedTime(started);
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;
            var stats = simulator.GetStats();
            if (result.Status != SyncStatus.Completed || stats.ContactsStoredDistinct != options.Contacts || stats.ContactsReceived != options.Contacts)
            {
                throw new InvalidOperationException($"{variant}: the sync did not deliver every contact exactly once: {result.Status} {result.Failure?.Message}");
            }

            return new Outcome(variant, result.Progress.RecordsWritten, elapsed, metrics.Refreshes, metrics.AuthReplays, metrics.HttpRetries + result.Progress.Retries, stats.TokensIssued["refresh_token"])
            {
                TokenWait = sourceTokens.Waited + destinationTokens.Waited,
                TokenCalls = sourceTokens.Calls + destinationTokens.Calls,
                SlowTokenCalls = sourceTokens.SlowCalls + destinationTokens.SlowCalls,
                Cpu = cpu,
            };
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static ConnectionDefinition Connection(string id, SimulatorServer simulator, string refreshToken, string scope) => new ConnectionOptions
    {
        TokenEndpoint = simulator.TokenEndpoint,
        ClientId = "demo-client",
        ClientSecret = "demo-secret",
        RefreshToken = refreshToken,
        Scope = scope,
    }.ToDefinition(id);
}
