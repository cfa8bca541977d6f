using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Identity.Client;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Benchmarks.Engine;

/// <summary>
/// Issue 3, target 1: a fresh cached token costs at most 50 ns and allocates nothing. Tokenkeeper as an application builds
/// it (<see cref="TimeProvider.System"/>, in-memory store, one client-credentials connection), its token fetched once from
/// an in-memory token endpoint. Compared with the naive lock-every-call manager of seeds/004 and MSAL.NET's cache hit.
/// Run: <c>dotnet run -c Release --project bench/Tokenkeeper.Benchmarks -- --filter '*HotPath*'</c>.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private const string ConnectionId = TokenkeeperContender.ConnectionId;
    private static readonly string[] Scopes = Contender.Scope.Split(' ');

    private readonly StubIdentityProvider _idp = new();
    private TokenManager _manager = null!;
    private IAccessTokenSource _source = null!;
    private MeterListener? _listener;
    private double _recorded;
    private NaiveTokenManager _naive = null!;
    private IConfidentialClientApplication _msal = null!;
    private TaskCompletionSource? _hang;

    [GlobalSetup(Targets = [nameof(Source_GetTokenAsync), nameof(Manager_GetAccessTokenAsync)])]
    public void SetupTokenkeeper() => _source = CreateManager(TimeProvider.System);

    [GlobalSetup(Targets = [nameof(Source_GetTokenAsync_MeterListener), nameof(Manager_GetAccessTokenAsync_MeterListener)])]
    public void SetupTokenkeeperWithListener()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Tokenkeeper")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => _recorded += value);
        _listener.Start();
        _source = CreateManager(TimeProvider.System);
        if (_recorded <= 0)
        {
            throw new InvalidOperationException("the listener saw no tokenkeeper.token.remaining_lifetime measurement");
        }
    }

    /// <summary>The same call on the offset clock the scenarios use, to separate the clock's cost from the window's.</summary>
    [GlobalSetup(Target = nameof(Source_GetTokenAsync_OffsetClock))]
    public void SetupOffsetClock() => _source = CreateManager(new OffsetClock());

    /// <summary>
    /// The refresh-ahead window with a refresh in flight: the clock is put at the token's refresh-ahead point and the token
    /// endpoint never answers, so every call for the rest of the run is served the current token while the refresh is pending.
    /// </summary>
    [GlobalSetup(Target = nameof(Source_GetTokenAsync_RefreshAheadWindow))]
    public void SetupRefreshAheadWindow()
    {
        var clock = new OffsetClock();
        _source = CreateManager(clock);
        var token = _source.GetTokenAsync().AsTask().GetAwaiter().GetResult();
        _hang = new TaskCompletionSource();
        _idp.Hang = _hang.Task;
        clock.JumpTo(token.Windows.RefreshAheadAt);
        var served = _source.GetTokenAsync().AsTask().GetAwaiter().GetResult();
        SpinWait.SpinUntil(() => _idp.TokenRequests == 2, TimeSpan.FromSeconds(10));
        if (!ReferenceEquals(served, token) || _idp.TokenRequests != 2)
        {
            throw new InvalidOperationException($"the refresh-ahead setup failed ({_idp.TokenRequests} token requests)");
        }
    }

    [GlobalSetup(Target = nameof(Naive_GetValidTokenAsync))]
    public void SetupNaive()
    {
        _naive = new NaiveTokenManager(new HttpClient(_idp, disposeHandler: false), StubIdentityProvider.TokenEndpoint, Contender.ClientId, Contender.ClientSecret, Contender.Scope, TimeProvider.System);
        _ = _naive.GetValidTokenAsync().AsTask().GetAwaiter().GetResult();
    }

    [GlobalSetup(Target = nameof(Msal_AcquireTokenForClient_CacheHit))]
    public void SetupMsal()
    {
        _msal = ConfidentialClientApplicationBuilder.Create(Contender.ClientId)
            .WithClientSecret(Contender.ClientSecret)
            .WithOidcAuthority(StubIdentityProvider.Authority.ToString())
            .WithHttpClientFactory(new StubFactory(_idp))
            .Build();
        _ = _msal.AcquireTokenForClient(Scopes).ExecuteAsync().GetAwaiter().GetResult();
        var hit = _msal.AcquireTokenForClient(Scopes).ExecuteAsync().GetAwaiter().GetResult();
        if (hit.AuthenticationResultMetadata.TokenSource != TokenSource.Cache)
        {
            throw new InvalidOperationException("MSAL did not serve from its cache");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hang?.TrySetResult();
        _listener?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Tokenkeeper source.GetTokenAsync()")]
    public ManagedAccessToken Source_GetTokenAsync() => Sync(_source.GetTokenAsync());

    [Benchmark(Description = "Tokenkeeper manager.GetAccessTokenAsync(id)")]
    public ManagedAccessToken Manager_GetAccessTokenAsync() => Sync(_manager.GetAccessTokenAsync(ConnectionId));

    [Benchmark(Description = "Tokenkeeper source.GetTokenAsync(), MeterListener on")]
    public ManagedAccessToken Source_GetTokenAsync_MeterListener() => Sync(_source.GetTokenAsync());

    [Benchmark(Description = "Tokenkeeper manager.GetAccessTokenAsync(id), MeterListener on")]
    public ManagedAccessToken Manager_GetAccessTokenAsync_MeterListener() => Sync(_manager.GetAccessTokenAsync(ConnectionId));

    [Benchmark(Description = "Tokenkeeper source.GetTokenAsync(), offset clock")]
    public ManagedAccessToken Source_GetTokenAsync_OffsetClock() => Sync(_source.GetTokenAsync());

    [Benchmark(Description = "Tokenkeeper source.GetTokenAsync(), refresh-ahead window, refresh in flight")]
    public ManagedAccessToken Source_GetTokenAsync_RefreshAheadWindow() => Sync(_source.GetTokenAsync());

    [Benchmark(Description = "naive manager (seeds/004) GetValidTokenAsync()")]
    public string Naive_GetValidTokenAsync()
    {
        var pending = _naive.GetValidTokenAsync();
        return pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("not synchronous");
    }

    [Benchmark(Description = "MSAL AcquireTokenForClient, cache hit")]
    public async Task<string> Msal_AcquireTokenForClient_CacheHit() => (await _msal.AcquireTokenForClient(Scopes).ExecuteAsync()).AccessToken;

    private static ManagedAccessToken Sync(ValueTask<ManagedAccessToken> pending) =>
        pending.IsCompletedSuccessfully ? pending.Result : throw new InvalidOperationException("the call did not complete synchronously");

    private IAccessTokenSource CreateManager(TimeProvider clock)
    {
        _manager = new TokenManager(
            new InMemoryTokenStore(clock),
            new TokenEndpointClient(new HttpClient(_idp, disposeHandler: false), clock, timeout: TimeSpan.FromDays(1)),
            new TokenManagerOptions { RefreshAheadJitter = 0 },
            clock);
        _manager.Define(TokenkeeperContender.Definition(StubIdentityProvider.TokenEndpoint));
        var source = _manager.GetSource(ConnectionId);
        _ = source.GetTokenAsync().AsTask().GetAwaiter().GetResult();
        _ = Sync(source.GetTokenAsync());
        return source;
    }

    private sealed class StubFactory(StubIdentityProvider idp) : IMsalHttpClientFactory
    {
        private readonly HttpClient _client = new(idp, disposeHandler: false);

        public HttpClient GetHttpClient() => _client;
    }
}
