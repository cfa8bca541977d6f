using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Tokenkeeper.IntegrationTests.Support;
using Tokenkeeper.IntegrationTests.Sync;
using CliProcess = Tokenkeeper.IntegrationTests.Support.CliProcess;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;

namespace Tokenkeeper.IntegrationTests.Reliability;

/// <summary>
/// Real <c>tokenkeeper sync</c> processes sharing one SQLite store and one rotating connection (<c>crm</c>, used as both
/// source and destination) against the simulator on loopback with the real clock. The provider is strict by default:
/// single-use refresh tokens with reuse detection and no reuse interval, so any second use of a rotated refresh token revokes
/// the whole grant, and it answers token requests slowly (held after processing). Every scenario ends by checking the same
/// promises: no refresh token presented again after it was rotated, no lease and no intent left by a clean exit, every record
/// delivered exactly once per job.
/// </summary>
internal sealed class ReliabilityHarness : IAsyncDisposable
{
    public const string Connection = "crm";
    public const string Scope = "contacts:read contacts:write";

    /// <summary>Records per page and per batch.</summary>
    public const int PageSize = 50;

    /// <summary>The jobs' token request timeout: 15 s, far above the provider's slowest answer here (3 s) even on a loaded CI
    /// machine, so a request is lost only when a test means it to be. A lost answer is asked about 20 s after it was sent.</summary>
    public const string TokenTimeout = "15s";

    private readonly List<CliProcess> _processes = [];

    private ReliabilityHarness(SimulatorServer simulator, string directory)
    {
        Simulator = simulator;
        Directory = directory;
        File.WriteAllText(KeyFile, Key);
    }

    public SimulatorServer Simulator { get; }

    public string Directory { get; }

    public string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public string KeyFile => Path.Combine(Directory, "store.key");

    public string StorePath => Path.Combine(Directory, "tokenkeeper.db");

    /// <summary>What the job files' <c>${env:…}</c> read.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal) { ["CRM_SECRET"] = "demo-secret" };

    public SimulatorStats Stats => Simulator.GetStats();

    /// <summary>Faults of a kind injected at the token endpoint (the stats count the API's too).</summary>
    public long TokenFaults(string kind)
    {
        var stats = Stats;
        return stats.FaultsInjected.GetValueOrDefault(kind) - stats.ApiFaultsInjected.GetValueOrDefault(kind);
    }

    /// <summary>The strict provider above; <paramref name="configure"/> changes it (rotation, delays, faults).</summary>
    public static async Task<ReliabilityHarness> StartAsync(Action<SimulatorOptions>? configure = null)
    {
        var options = new SimulatorOptions
        {
            Rotation = RotationMode.ReuseDetection,
            ReuseInterval = TimeSpan.Zero,
            AccessTtl = TimeSpan.FromSeconds(20),
            TokenResponseDelay = TimeSpan.FromSeconds(1),
            Contacts = PageSize,
        };
        configure?.Invoke(options);
        var simulator = await SimulatorServer.StartAsync(options);
        var harness = new ReliabilityHarness(simulator, System.IO.Directory.CreateTempSubdirectory("tk-reliability-").FullName);
        await harness.NewGrantAsync();
        return harness;
    }

    /// <summary>A run that refreshes several times: access tokens live 4 s, the source has <paramref name="pages"/> pages, and every
    /// API request takes 100 ms.</summary>
    public static void RefreshesMidRun(SimulatorOptions options, int pages)
    {
        options.AccessTtl = TimeSpan.FromSeconds(4);
        options.Contacts = pages * PageSize;
        options.ApiFaults = ["delay:100ms"];
        options.ApiFaultRate = 1;
    }

    /// <summary>Returns once a refresh after the run's first is held at the provider: it has rotated, its answer is not out yet.</summary>
    public async Task UntilARefreshMidRunIsHeldAsync(CliProcess process)
    {
        await UntilAsync(() => Stats.RefreshesServed >= 2 && Stats.TokenResponsesHeld == 1 || process.HasExited, "a refresh mid-run to be held at the provider");
        Assert.False(process.HasExited, process.Output);
    }

    /// <summary>Runs <paramref name="job"/> again after an interruption: it completes, no spent refresh token was ever presented,
    /// nothing is left behind, and each of its records arrived once.</summary>
    public async Task AssertRerunCompletesAsync(string job, string context)
    {
        var (rerun, output, _) = await RunAsync(job);
        Assert.True(rerun == 0, $"{context}: {output}");
        AssertNoSpentTokenPresented(context);
        await AssertNothingLeftBehindAsync(context);
        AssertEveryRecordDeliveredOnce(jobs: 1);
    }

    /// <summary>Starts a grant at the provider and offers its refresh token to the next run (a re-authorisation, when the stored
    /// grant is dead).</summary>
    public async Task NewGrantAsync()
    {
        var grant = await Simulator.CreateGrantAsync("demo-client", "test-user", Scope);
        Environment["CRM_REFRESH_TOKEN"] = grant.RefreshToken!;
    }

    /// <summary>Writes a job file for job <paramref name="jobId"/> (its own checkpoint and idempotency keys); <paramref name="change"/>
    /// edits it first. Returns its path.</summary>
    public string WriteJob(string jobId, Action<JsonObject>? change = null)
    {
        var simulator = Simulator.BaseAddress.ToString().TrimEnd('/');
        var job = new JsonObject
        {
            ["store"] = "tokenkeeper.db",
            ["keyFile"] = "store.key",
            ["tokenTimeout"] = TokenTimeout,
            ["connections"] = new JsonObject
            {
                [Connection] = new JsonObject
                {
                    ["tokenEndpoint"] = Simulator.TokenEndpoint.ToString(),
                    ["clientId"] = "demo-client",
                    ["clientSecret"] = "${env:CRM_SECRET}",
                    ["refreshToken"] = "${env:CRM_REFRESH_TOKEN}",
                    ["scope"] = Scope,
                },
            },
            ["job"] = new JsonObject
            {
                ["id"] = jobId,
                ["source"] = new JsonObject
                {
                    ["connection"] = Connection,
                    ["url"] = simulator + "/api/contacts",
                    ["itemsField"] = "items",
                    ["cursorField"] = "next_cursor",
                    ["cursorParam"] = "cursor",
                    ["limitParam"] = "limit",
                    ["pageSize"] = PageSize,
                },
                ["destination"] = new JsonObject
                {
                    ["connection"] = Connection,
                    ["url"] = simulator + "/api/contacts/batch",
                    ["batchSize"] = PageSize,
                },
            },
        };
        change?.Invoke(job);
        var path = Path.Combine(Directory, jobId + ".json");
        File.WriteAllText(path, job.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>Edits the connection of a job file being written (in a <see cref="WriteJob"/> change).</summary>
    public static JsonObject ConnectionOf(JsonObject job) => job["connections"]![Connection]!.AsObject();

    /// <summary>Starts <c>tokenkeeper sync --config {job} --json --log-level information</c> as a real process.</summary>
    public CliProcess Start(string jobPath)
    {
        var process = CliProcess.Start(["sync", "--config", jobPath, "--json", "--log-level", "information"], Environment, Directory);
        _processes.Add(process);
        return process;
    }

    /// <summary>Runs a job to its end and returns the exit code and all output.</summary>
    public async Task<(int ExitCode, string Output, JsonNode? Report)> RunAsync(string jobPath)
    {
        using var process = Start(jobPath);
        await process.WaitForExitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, process.Output, ReportOf(process));
    }

    /// <summary>The <c>--json</c> report: the last line of standard output, when there is one.</summary>
    public static JsonNode? ReportOf(CliProcess process)
    {
        var last = process.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        try
        {
            return last is null ? null : JsonNode.Parse(last);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The connection as the store holds it, and its lease, read by a store of this test process.</summary>
    public async Task<(ConnectionRecord Record, StoreLease? Lease)> ConnectionAsync()
    {
        using var protector = new AesGcmSecretProtector([Convert.FromBase64String(Key)]);
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector });
        var record = await store.GetAsync(Connection) ?? throw new InvalidOperationException("the store has no connection 'crm'");
        return (record, await store.GetLeaseAsync(Connection));
    }

    /// <summary>Tokens kept beside the store (the store would not take them), if any.</summary>
    public async Task<KeptTokens?> KeptAsync()
    {
        using var protector = new AesGcmSecretProtector([Convert.FromBase64String(Key)]);
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector });
        return await store.GetKeptAsync(Connection);
    }

    /// <summary>Holds the store's write lock (what another process's long write transaction does) until the returned lease is
    /// disposed.</summary>
    public async Task<IAsyncDisposable> LockStoreAsync()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = StorePath, Pooling = false, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync();
        await using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync();
        }

        return new StoreLock(connection);
    }

    /// <summary>Waits until <paramref name="condition"/> holds on the simulator or the store; fails with <paramref name="what"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? patience = null) =>
        Waits.UntilAsync(condition, () => what, patience ?? TimeSpan.FromSeconds(60));

    /// <summary>No refresh token was presented again after its rotation, and no grant was revoked.</summary>
    public void AssertNoSpentTokenPresented(string context)
    {
        var stats = Stats;
        Assert.True(stats.SpentRefreshTokensPresented == 0, $"{context}: {stats.SpentRefreshTokensPresented} spent refresh token(s) presented");
        Assert.True(stats.GrantsRevoked == 0, $"{context}: {stats.GrantsRevoked} grant(s) revoked");
    }

    /// <summary>A clean exit leaves no lease and no refresh intent in the store.</summary>
    public async Task AssertNothingLeftBehindAsync(string context)
    {
        var (record, lease) = await ConnectionAsync();
        Assert.True(lease is null, $"{context}: a lease is left, held by {lease?.Owner}");
        Assert.True(record.PendingRefresh is null, $"{context}: a refresh intent is left, by {record.PendingRefresh?.Owner}");
    }

    /// <summary>Every job delivered each of its records exactly once: the simulator stored one batch per job and page, no more.</summary>
    public void AssertEveryRecordDeliveredOnce(int jobs)
    {
        var stats = Stats;
        Assert.Equal((long)jobs * Simulator.Options.Contacts, stats.ContactsReceived);
        Assert.Equal(Simulator.Options.Contacts, stats.ContactsStoredDistinct);
        Assert.Equal(0, stats.IdempotencyConflicts);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            process.Dispose();
        }

        await Simulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class StoreLock(SqliteConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await using (var commit = connection.CreateCommand())
            {
                commit.CommandText = "COMMIT";
                await commit.ExecuteNonQueryAsync();
            }

            await connection.DisposeAsync();
        }
    }
}
