using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Tokenkeeper.Hosting;
using Tokenkeeper.Http;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Simulator;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Time;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>
/// The real parts wired together: the simulator on loopback, a SQLite store in a temporary directory, and token managers
/// whose HTTP clients carry the Tokenkeeper handler. Simulator and engine share one fake clock. Every token seen on the wire
/// is remembered so tests can prove none reached a log line or the database file in clear.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string ClientId = "demo-client";
    public const string ClientSecret = "demo-secret";
    public const string Scope = "contacts:read contacts:write";

    private readonly List<TokenManager> _managers = [];
    private readonly List<IDisposable> _disposables = [];

    private EngineHarness(SimulatorServer simulator, ManualTimeProvider clock, string directory, LogSink logs)
    {
        Simulator = simulator;
        Clock = clock;
        Directory = directory;
        Logs = logs;
    }

    public SimulatorServer Simulator { get; }

    public ManualTimeProvider Clock { get; }

    public string Directory { get; }

    public LogSink Logs { get; }

    public AesGcmSecretProtector Protector { get; } = new(RandomNumberGenerator.GetBytes(32));

    public string StorePath => Path.Combine(Directory, "tokenkeeper.db");

    /// <summary>Every token value that crossed the wire: bootstrap refresh tokens, access tokens seen by the resource API.</summary>
    public ConcurrentDictionary<string, bool> SeenSecrets { get; } = new();

    public static async Task<EngineHarness> StartAsync(SimulatorOptions options)
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 14, 8, 0, 0, TimeSpan.Zero));
        var logs = new LogSink();
        var simulator = await SimulatorServer.StartAsync(options, clock, loggerFactory: logs.CreateFactory());
        var directory = System.IO.Directory.CreateTempSubdirectory("tk-engine-").FullName;
        return new EngineHarness(simulator, clock, directory, logs);
    }

    public SqliteTokenStore OpenStore()
    {
        var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = StorePath, Protector = Protector }, Clock);
        _disposables.Add(store);
        return store;
    }

    public TokenManager CreateManager(ITokenStore store, Action<TokenManagerOptions>? configure = null)
    {
        var options = new TokenManagerOptions();
        configure?.Invoke(options);
        var http = new HttpClient(TokenEndpointClient.CreateDefaultHandler());
        _disposables.Add(http);
        var manager = new TokenManager(store, new TokenEndpointClient(http, Clock), options, Clock, Logs.CreateFactory());
        _managers.Add(manager);
        return manager;
    }

    /// <summary>Starts a grant at the simulator and returns the connection definition bootstrapped with its refresh token.</summary>
    public async Task<(ConnectionDefinition Definition, GrantTokens Grant)> NewConnectionAsync(string connectionId, string provider = "generic")
    {
        var grant = await Simulator.CreateGrantAsync(ClientId, "test-user", Scope);
        Remember(grant.RefreshToken);
        Remember(grant.AccessToken);
        var definition = new ConnectionOptions
        {
            Provider = provider,
            TokenEndpoint = Simulator.TokenEndpoint,
            ClientId = ClientId,
            ClientSecret = ClientSecret,
            ClientAuthMethod = ClientAuthMethod.ClientSecretBasic,
            RefreshToken = grant.RefreshToken,
        }.ToDefinition(connectionId);
        return (definition, grant);
    }

    /// <summary>An HTTP client for the simulator's API whose requests carry <paramref name="connectionId"/>'s tokens.</summary>
    public HttpClient ApiClient(TokenManager manager, string connectionId, Action<TokenkeeperHandlerOptions>? configure = null)
    {
        var options = new TokenkeeperHandlerOptions();
        configure?.Invoke(options);
        var handler = new TokenkeeperHandler(manager, connectionId, options)
        {
            InnerHandler = new WireRecorder(this) { InnerHandler = new SocketsHttpHandler() },
        };
        var client = new HttpClient(handler) { BaseAddress = Simulator.BaseAddress };
        _disposables.Add(client);
        return client;
    }

    public void Remember(string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            SeenSecrets[secret] = true;
        }
    }

    /// <summary>
    /// Advances the shared clock by <paramref name="step"/> every few milliseconds of real time until <paramref name="until"/>
    /// completes, so time flows while real requests run. Returns when the work is done.
    /// </summary>
    public async Task RunClockAsync(Task until, TimeSpan step, TimeSpan? totalFakeTime = null)
    {
        var end = totalFakeTime is { } total ? Clock.GetUtcNow() + total : DateTimeOffset.MaxValue;
        while (!until.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(8));
            if (Clock.GetUtcNow() < end)
            {
                Clock.Advance(step);
            }
        }

        await until;
    }

    /// <summary>Asserts that no log line of the run and no byte of the database file holds a token or secret in clear.</summary>
    public void AssertNoSecretLeaked(IEnumerable<string>? more = null)
    {
        var secrets = SeenSecrets.Keys.Concat(more ?? []).Append(ClientSecret).ToArray();
        Logs.AssertContainsNone(secrets);
        SqliteConnection.ClearAllPools();
        if (!File.Exists(StorePath))
        {
            return;
        }

        using var buffer = new MemoryStream();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "tokenkeeper.db*"))
        {
            using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            input.CopyTo(buffer);
        }

        var bytes = buffer.ToArray();
        foreach (var secret in secrets)
        {
            Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) < 0, $"the store file holds a secret in clear ({Diagnostics.TokenFingerprint.Of(secret)})");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var manager in _managers)
        {
            await manager.DisposeAsync();
        }

        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        await Simulator.DisposeAsync();
        Protector.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Sits below the Tokenkeeper handler: remembers every bearer token sent and every status received.</summary>
    private sealed class WireRecorder(EngineHarness harness) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Authorization?.Parameter is { } token)
            {
                harness.Remember(token);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
