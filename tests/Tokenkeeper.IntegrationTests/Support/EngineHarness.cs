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
using Tokenkeeper.Tokens;
using Tokenkeeper.Connections;

namespace Tokenkeeper.IntegrationTests.Support;

/// <summary>
/// The real parts wired together: the simulator on loopback, a SQLite store in a temporary directory, and token managers
/// whose HTTP clients carry the Tokenkeeper handler. Simulator and engine share one fake clock. Every token seen on the wire
/// is remembered — bootstrap grants, bearer tokens sent to the API, and every access and refresh token the token endpoint
/// answered with (rotated ones included) — so tests can prove none reached a log line or the database file in clear.
/// </summary>
internal sealed partial class EngineHarness : IAsyncDisposable
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

    /// <summary>Every token value that crossed the wire: bootstrap tokens, access tokens seen by the resource API, and every token
    /// the token endpoint issued to a manager of this harness.</summary>
    public ConcurrentDictionary<string, bool> SeenSecrets { get; } = new();

    /// <summary>Access tokens the token endpoint answered with, as the engine received them.</summary>
    public ConcurrentDictionary<string, bool> IssuedAccessTokens { get; } = new();

    /// <summary>Refresh tokens the token endpoint answered with (each rotation), as the engine received them.</summary>
    public ConcurrentDictionary<string, bool> IssuedRefreshTokens { get; } = new();

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
        var http = new HttpClient(RecordTokenResponses(TokenEndpointClient.CreateDefaultHandler()));
        _disposables.Add(http);
        var manager = new TokenManager(store, new TokenEndpointClient(http, Clock), options, Clock, Logs.CreateFactory());
        _managers.Add(manager);
        return manager;
    }

    /// <summary>Starts a grant at the simulator and returns the connection definition bootstrapped with its refresh token.</summary>
    public async Task<(ConnectionDefinition Definition, GrantTokens Grant)> NewConnectionAsync(string connectionId, string provider = "generic", Action<ConnectionOptions>? configure = null)
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
        };
        configure?.Invoke(definition);
        return (definition.ToDefinition(connectionId), grant);
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

    /// <summary>Wraps a token endpoint handler so that every token in its responses is remembered (see <see cref="SeenSecrets"/>).
    /// Bodies still stream to the engine as they arrive: sizes, truncations and failures are unchanged.</summary>
    public DelegatingHandler RecordTokenResponses(HttpMessageHandler? inner = null)
    {
        var recorder = new TokenResponseRecorder(this);
        if (inner is not null)
        {
            recorder.InnerHandler = inner;
        }

        return recorder;
    }

    /// <summary>A handler that remembers every bearer token sent through it (for clients built outside the harness).</summary>
    public DelegatingHandler RecordBearerTokens() => new WireRecorder(this);

    public void Remember(string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            SeenSecrets[secret] = true;
        }
    }

    /// <summary>
    /// Advances the shared clock by <paramref name="step"/> until <paramref name="until"/> completes, so time flows while real
    /// requests run. With <paramref name="progress"/>, a step is taken only once the work has made <paramref name="perStep"/> more
    /// progress (requests answered, say) since the last one, so every stretch of fake time carries the same work however fast
    /// the machine is; without it, a step every few milliseconds of real time. Returns when the work is done.
    /// </summary>
    public async Task RunClockAsync(Task until, TimeSpan step, TimeSpan? totalFakeTime = null, Func<long>? progress = null, long perStep = 1)
    {
        var end = totalFakeTime is { } total ? Clock.GetUtcNow() + total : DateTimeOffset.MaxValue;
        var stepped = progress?.Invoke() ?? 0;
        var stalled = 0;
        while (!until.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(ClockPollMilliseconds));
            if (progress is not null)
            {
                // Work that waits on fake time (a back-off, a lease wait) makes no progress until time moves: after a stall, step.
                var now = progress();
                if (now - stepped < perStep && ++stalled < ClockStallPolls)
                {
                    continue;
                }

                stepped = now;
                stalled = 0;
            }

            if (Clock.GetUtcNow() < end)
            {
                Clock.Advance(step);
            }
        }

        await until;
    }

    /// <summary>How often <see cref="RunClockAsync"/> looks at the work, in real milliseconds: 8.</summary>
    private const int ClockPollMilliseconds = 8;

    /// <summary>Polls without progress after which <see cref="RunClockAsync"/> steps anyway, because the work is waiting on time: 25.</summary>
    private const int ClockStallPolls = 25;

    /// <summary>
    /// Asserts that no log line of the run and no byte of the store's files holds a token or secret in clear. The files are read
    /// twice: while the store's connections are open (the database, its <c>-wal</c> with every version of each record written
    /// since the last checkpoint, and <c>-shm</c>), then after the connections are closed and the WAL checkpointed into the
    /// database. Returns the file names read (with their size) the first time.
    /// </summary>
    public IReadOnlyList<(string Name, long Length)> AssertNoSecretLeaked(IEnumerable<string>? more = null)
    {
        var secrets = SeenSecrets.Keys.Concat(more ?? []).Append(ClientSecret).ToArray();
        Logs.AssertContainsNone(secrets);
        if (!File.Exists(StorePath))
        {
            return [];
        }

        var open = AssertStoreFilesHoldNone(secrets);
        SqliteConnection.ClearAllPools();
        AssertStoreFilesHoldNone(secrets);
        return open;
    }

    private List<(string Name, long Length)> AssertStoreFilesHoldNone(string[] secrets)
    {
        var scanned = new List<(string, long)>();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "tokenkeeper.db*"))
        {
            byte[] bytes;
            try
            {
                using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var buffer = new MemoryStream();
                input.CopyTo(buffer);
                bytes = buffer.ToArray();
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            scanned.Add((Path.GetFileName(file), bytes.Length));
            foreach (var secret in secrets)
            {
                Assert.True(bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(file)} holds a secret in clear ({Diagnostics.TokenFingerprint.Of(secret)})");
            }
        }

        return scanned;
    }

    /// <summary>Remembers the tokens in a token endpoint response body (whole or cut short).</summary>
    private void RememberTokensIn(ReadOnlySpan<byte> body)
    {
        foreach (var (name, value) in TokenFields(System.Text.Encoding.UTF8.GetString(body)))
        {
            Remember(value);
            if (name == "access_token")
            {
                IssuedAccessTokens[value] = true;
            }
            else if (name == "refresh_token")
            {
                IssuedRefreshTokens[value] = true;
            }
        }
    }

    private static IEnumerable<(string Name, string Value)> TokenFields(string body)
    {
        foreach (System.Text.RegularExpressions.Match match in TokenField().Matches(body))
        {
            string? value;
            try
            {
                value = System.Text.Json.JsonSerializer.Deserialize<string>("\"" + match.Groups["value"].Value + "\"");
            }
            catch (System.Text.Json.JsonException)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(value))
            {
                yield return (match.Groups["name"].Value, value);
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"(?<name>access_token|refresh_token|id_token)\"\\s*:\\s*\"(?<value>(?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial System.Text.RegularExpressions.Regex TokenField();

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

    /// <summary>
    /// Sits on the token endpoint client's side of the wire: lets each response body stream through to the engine unchanged and
    /// remembers the tokens in it once the engine has read it (or stopped reading).
    /// </summary>
    private sealed class TokenResponseRecorder(EngineHarness harness) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            response.Content = new TeeContent(response.Content, bytes => harness.RememberTokensIn(bytes));
            return response;
        }
    }

    /// <summary>A response body that passes its bytes through as they are read and hands a copy to <c>onEnd</c> at its end.</summary>
    private sealed class TeeContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly Action<byte[]> _onEnd;

        public TeeContent(HttpContent inner, Action<byte[]> onEnd)
        {
            _inner = inner;
            _onEnd = onEnd;
            foreach (var header in inner.Headers)
            {
                Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
            new TeeStream(await _inner.ReadAsStreamAsync(cancellationToken), _onEnd);

        protected override Task<Stream> CreateContentReadStreamAsync() => CreateContentReadStreamAsync(CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await using var tee = new TeeStream(await _inner.ReadAsStreamAsync(), _onEnd);
            await tee.CopyToAsync(stream);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    private sealed class TeeStream(Stream inner, Action<byte[]> onEnd) : Stream
    {
        /// <summary>Token responses are small; past this the copy stops growing (the engine refuses such bodies anyway).</summary>
        private const int MaxCopy = 1024 * 1024;

        private readonly MemoryStream _copy = new();
        private int _ended;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var read = inner.Read(buffer);
            Keep(buffer[..read]);
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            Keep(buffer.Span[..read]);
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                End();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Keep(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty)
            {
                End();
            }
            else if (_copy.Length < MaxCopy)
            {
                _copy.Write(bytes);
            }
        }

        private void End()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                onEnd(_copy.ToArray());
            }
        }
    }
}
