using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Spectre.Console;
using Tokenkeeper.Cli.Commands;
using Tokenkeeper.Cli.Jobs;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Cli.Infrastructure;

namespace Tokenkeeper.IntegrationTests.Sync;

/// <summary>
/// A simulator on loopback (real clock), a temporary folder with an encryption key, and a job file wired to both, plus
/// ways to run <c>tokenkeeper sync</c> on it: as a real process of the built CLI, or in-process with captured output.
/// The connections' refresh tokens reach the job file through <c>${env:…}</c>, as they would in production.
/// </summary>
internal sealed class SyncHarness : IAsyncDisposable
{
    public const string JobId = "contacts-nightly";
    public const string SourceConnection = "legacy-crm";
    public const string DestinationConnection = "zendesk";

    private SyncHarness(SimulatorServer simulator, string directory)
    {
        Simulator = simulator;
        Directory = directory;
        Key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(KeyFile, Key);
    }

    public SimulatorServer Simulator { get; }

    public string Directory { get; }

    public string Key { get; }

    public string KeyFile => Path.Combine(Directory, "store.key");

    public string JobPath => Path.Combine(Directory, "job.json");

    public string StorePath => Path.Combine(Directory, "tokenkeeper.db");

    /// <summary>The environment the job file's <c>${env:…}</c> references read.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Grant ids at the simulator, by connection.</summary>
    public Dictionary<string, string> Grants { get; } = new(StringComparer.Ordinal);

    public static async Task<SyncHarness> StartAsync(SimulatorOptions options, TimeProvider? clock = null)
    {
        var simulator = await SimulatorServer.StartAsync(options, clock);
        return new SyncHarness(simulator, System.IO.Directory.CreateTempSubdirectory("tk-sync-").FullName);
    }

    /// <summary>Starts a grant for <paramref name="connection"/> and puts its refresh token in the variable the job file names.</summary>
    public async Task BootstrapAsync(string connection, string scope)
    {
        var grant = await Simulator.CreateGrantAsync("demo-client", "test-user", scope);
        Grants[connection] = grant.GrantId;
        Environment[VariableOf(connection)] = grant.RefreshToken!;
    }

    public static string VariableOf(string connection) => connection.Replace('-', '_').ToUpperInvariant() + "_REFRESH_TOKEN";

    /// <summary>Writes the example job file against this simulator; <paramref name="change"/> edits it first.</summary>
    public async Task WriteJobAsync(int pageSize = 100, int batchSize = 100, Action<JsonObject>? change = null)
    {
        await BootstrapAsync(SourceConnection, "contacts:read");
        await BootstrapAsync(DestinationConnection, "contacts:write");
        Environment["CRM_SECRET"] = "demo-secret";
        var job = JobJson(pageSize, batchSize);
        change?.Invoke(job);
        await File.WriteAllTextAsync(JobPath, job.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Tells every connection of a job file that the provider detects reuse but tolerates the previous refresh token for
    /// <paramref name="interval"/> (its reuse interval): an answer lost after the provider rotated is then sent again inside it.
    /// Without it, a lost answer at such a provider ends in <c>rotation_lost_in_flight</c> (docs/engine.md, "A lost answer").</summary>
    public static void DeclareReuseInterval(JsonObject job, string interval)
    {
        foreach (var (_, connection) in job["connections"]!.AsObject())
        {
            connection!["rotation"] = "reuse_detection";
            connection["rotationGrace"] = interval;
        }
    }

    public JsonObject JobJson(int pageSize, int batchSize)
    {
        var baseUrl = Simulator.BaseAddress.ToString().TrimEnd('/');
        return new JsonObject
        {
            ["store"] = "tokenkeeper.db",
            ["keyFile"] = "store.key",
            ["connections"] = new JsonObject
            {
                [SourceConnection] = Connection("generic", "contacts:read", SourceConnection),
                [DestinationConnection] = Connection("zendesk-sell", "contacts:write", DestinationConnection),
            },
            ["job"] = new JsonObject
            {
                ["id"] = JobId,
                ["source"] = new JsonObject
                {
                    ["connection"] = SourceConnection,
                    ["url"] = baseUrl + "/api/contacts",
                    ["itemsField"] = "items",
                    ["cursorField"] = "next_cursor",
                    ["cursorParam"] = "cursor",
                    ["limitParam"] = "limit",
                    ["pageSize"] = pageSize,
                    ["totalField"] = "total",
                },
                ["destination"] = new JsonObject
                {
                    ["connection"] = DestinationConnection,
                    ["url"] = baseUrl + "/api/contacts/batch",
                    ["batchSize"] = batchSize,
                    ["bodyField"] = null,
                },
            },
        };

        JsonObject Connection(string provider, string scope, string name) => new()
        {
            ["provider"] = provider,
            ["tokenEndpoint"] = Simulator.TokenEndpoint.ToString(),
            ["clientId"] = "demo-client",
            ["clientSecret"] = "${env:CRM_SECRET}",
            ["grant"] = "refresh_token",
            ["refreshToken"] = $"${{env:{VariableOf(name)}}}",
            ["scope"] = scope,
        };
    }

    /// <summary>Starts <c>dotnet Tokenkeeper.Cli.dll</c> with <paramref name="arguments"/>; output is collected as it comes.</summary>
    public CliProcess Start(params string[] arguments)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "Tokenkeeper.Cli.dll");
        Assert.True(File.Exists(cli), $"the built CLI is not next to the tests: {cli}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Directory };
        start.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return new CliProcess(Process.Start(start)!);
    }

    /// <summary>Runs the sync command in a real process to its end.</summary>
    public async Task<CliResult> RunSyncAsync(params string[] extra)
    {
        using var process = Start(["sync", "--config", JobPath, .. extra]);
        return await process.WaitAsync();
    }

    /// <summary>Runs the sync command in this process (fast); <c>${env:…}</c> reads <see cref="Environment"/>.</summary>
    public async Task<CliResult> RunSyncInProcessAsync(string jobPath, SyncRunSettings? settings = null, CancellationToken cancellationToken = default)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(stdout),
        });
        var output = new CliOutput(console, stdout, stderr, Interactive: false);
        settings ??= new SyncRunSettings { Json = true };
        settings = settings with { Environment = settings.Environment ?? (name => Environment.GetValueOrDefault(name)) };
        var exit = await SyncCommand.RunAsync(jobPath, settings, "none", output, cancellationToken);
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The job's checkpoint as the store holds it (null before the first commit).</summary>
    public async Task<JsonNode?> ReadCheckpointAsync()
    {
        using var protector = new AesGcmSecretProtector([Convert.FromBase64String(Key)]);
        using var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = protector });
        var stored = await store.GetCheckpointAsync(JobId);
        return stored is null ? null : JsonNode.Parse(stored.Payload);
    }

    public async ValueTask DisposeAsync()
    {
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
}

/// <summary>How a CLI run ended.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The <c>--json</c> object: the last line of stdout.</summary>
    public JsonNode Json => JsonNode.Parse(Stdout.Trim().Split('\n')[^1]) ?? throw new InvalidOperationException("no JSON on stdout");

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>A running CLI process whose output is collected in the background.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdoutSoFar = new();
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    public CliProcess(Process process)
    {
        _process = process;
        _stdout = CollectAsync(process.StandardOutput, _stdoutSoFar);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>What the process has written to stdout so far.</summary>
    public string StdoutSoFar
    {
        get
        {
            lock (_stdoutSoFar)
            {
                return _stdoutSoFar.ToString();
            }
        }
    }

    /// <summary>SIGKILL: no handler runs, nothing is flushed — the process just stops.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGINT, as Ctrl+C in a terminal sends it.</summary>
    public void Interrupt() => Signal("-INT");

    /// <summary>SIGTERM, as a service manager or <c>kill</c> sends it.</summary>
    public void Terminate() => Signal("-TERM");

    private void Signal(string which)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { which, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
    }

    public async Task<CliResult> WaitAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _process.WaitForExitAsync(timeout.Token);
        return new CliResult(_process.ExitCode, await _stdout, await _stderr);
    }

    private static async Task<string> CollectAsync(StreamReader reader, StringBuilder collected)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            lock (collected)
            {
                collected.Append(buffer, 0, read);
            }
        }

        lock (collected)
        {
            return collected.ToString();
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
