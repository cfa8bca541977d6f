using Tokenkeeper.Diagnostics;
using Tokenkeeper.Hosting;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Connections;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>Something that hands out an access token for the simulator's <c>demo-client</c> (client-credentials grant).</summary>
internal abstract class Contender : IAsyncDisposable
{
    public const string ClientId = "demo-client";
    public const string ClientSecret = "demo-secret";
    public const string Scope = "contacts:read contacts:write";

    public abstract string Name { get; }

    public abstract ValueTask<string> GetTokenAsync();

    /// <summary>Token requests this contender has sent (counted client-side, as they leave).</summary>
    public abstract long TokenRequestsSent { get; }

    public abstract ValueTask DisposeAsync();
}

/// <summary>Counts the requests that pass through it.</summary>
internal sealed class CountingHandler : DelegatingHandler
{
    private long _count;

    public CountingHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    public long Count => Interlocked.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Tokenkeeper's <see cref="TokenManager"/> over an in-memory (or given) store, on an <see cref="OffsetClock"/>.</summary>
internal sealed class TokenkeeperContender : Contender
{
    public const string ConnectionId = "crm";

    private readonly HttpClient _tokenHttp;
    private readonly CountingHandler _counter;

    private TokenkeeperContender(TokenManager manager, HttpClient tokenHttp, CountingHandler counter, OffsetClock clock, string name)
    {
        Manager = manager;
        _tokenHttp = tokenHttp;
        _counter = counter;
        Clock = clock;
        Name = name;
        Source = manager.GetSource(ConnectionId);
    }

    public override string Name { get; }

    public OffsetClock Clock { get; }

    public TokenManager Manager { get; }

    public IAccessTokenSource Source { get; }

    public override long TokenRequestsSent => _counter.Count;

    /// <summary>A manager as an application would build it (defaults everywhere), except the jitter draw (0, so the
    /// refresh-ahead point is known) and the clock.</summary>
    public static TokenkeeperContender Create(Uri tokenEndpoint, Func<OffsetClock, ITokenStore>? store = null, TokenkeeperMetrics? metrics = null, string name = "Tokenkeeper")
    {
        var clock = new OffsetClock();
        var counter = new CountingHandler(TokenEndpointClient.CreateDefaultHandler());
        var http = new HttpClient(counter);
        var manager = new TokenManager(
            store?.Invoke(clock) ?? new InMemoryTokenStore(clock),
            new TokenEndpointClient(http, clock),
            new TokenManagerOptions { RefreshAheadJitter = 0 },
            clock,
            loggerFactory: null,
            metrics: metrics);
        manager.Define(Definition(tokenEndpoint));
        return new TokenkeeperContender(manager, http, counter, clock, name);
    }

    public static ConnectionDefinition Definition(Uri tokenEndpoint) => new ConnectionOptions
    {
        Provider = "generic",
        TokenEndpoint = tokenEndpoint,
        ClientId = ClientId,
        ClientSecret = ClientSecret,
        ClientAuthMethod = ClientAuthMethod.ClientSecretBasic,
        Grant = OAuthGrantType.ClientCredentials,
        Scope = Scope,
    }.ToDefinition(ConnectionId);

    public override ValueTask<string> GetTokenAsync()
    {
        var pending = Source.GetTokenAsync();
        return pending.IsCompletedSuccessfully ? new ValueTask<string>(pending.Result.Token.Value) : Slow(pending);

        static async ValueTask<string> Slow(ValueTask<ManagedAccessToken> pending) => (await pending.ConfigureAwait(false)).Token.Value;
    }

    public override async ValueTask DisposeAsync()
    {
        await Manager.DisposeAsync();
        _tokenHttp.Dispose();
    }
}

/// <summary>The naive manager of seeds/004, on an <see cref="OffsetClock"/>.</summary>
internal sealed class NaiveContender : Contender
{
    private readonly HttpClient _http;
    private readonly CountingHandler _counter;

    public NaiveContender(Uri tokenEndpoint)
    {
        _counter = new CountingHandler(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        _http = new HttpClient(_counter);
        Manager = new NaiveTokenManager(_http, tokenEndpoint, ClientId, ClientSecret, Scope, Clock);
    }

    public override string Name => "naive (SemaphoreSlim around every call)";

    public OffsetClock Clock { get; } = new();

    public NaiveTokenManager Manager { get; }

    public override long TokenRequestsSent => _counter.Count;

    public override ValueTask<string> GetTokenAsync() => Manager.GetValidTokenAsync();

    public override ValueTask DisposeAsync()
    {
        Manager.Dispose();
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
