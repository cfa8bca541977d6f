using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Support;

/// <summary>A token manager over an in-memory provider and store, on a fake clock.</summary>
internal sealed class ManagerFixture : IAsyncDisposable
{
    public const string ConnectionId = "crm";

    /// <summary>The token request timeout in fast tests.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromDays(1);

    public ManagerFixture(Action<TokenManagerOptions>? configure = null, ITokenStore? store = null, ManualTimeProvider? clock = null, InMemoryProvider? provider = null, ProviderProfile? profile = null, OAuthGrantType grant = OAuthGrantType.RefreshToken, TimeSpan? requestTimeout = null, Uri? introspectionEndpoint = null)
    {
        Clock = clock ?? new ManualTimeProvider();
        Provider = provider ?? new InMemoryProvider(Clock);
        Store = store ?? new InMemoryTokenStore(Clock);
        var options = new TokenManagerOptions { RefreshAheadJitter = 0 };
        configure?.Invoke(options);
        Options = options;
        // The request timeout is a day: longer than every retry delay, backoff and lease poll, so DriveAsync (which jumps to
        // the earliest pending timer) never fires it while a response is being read. Timeouts are tested explicitly.
        Manager = new TokenManager(Store, new TokenEndpointClient(new HttpClient(Provider, disposeHandler: false), Clock, requestTimeout ?? RequestTimeout), options, Clock, Logs.CreateFactory(), metrics: null, connections: null, random: () => Jitter);
        InitialRefreshToken = grant == OAuthGrantType.RefreshToken ? Provider.NewRefreshToken() : null;
        var definition = Definition(ConnectionId, InitialRefreshToken, profile, grant);
        Manager.Define(introspectionEndpoint is null ? definition : definition with { Registration = definition.Registration with { IntrospectionEndpoint = introspectionEndpoint } });
    }

    public ManualTimeProvider Clock { get; }

    /// <summary>Every random draw the manager and its handlers make (back-off jitter), fixed so tests assert exact times.</summary>
    public double Jitter { get; set; } = 0.5;

    public InMemoryProvider Provider { get; }

    public ITokenStore Store { get; }

    public TokenManager Manager { get; }

    public TokenManagerOptions Options { get; }

    public LogSink Logs { get; } = new();

    public string? InitialRefreshToken { get; }

    public static ConnectionDefinition Definition(string id, string? refreshToken, ProviderProfile? profile = null, OAuthGrantType grant = OAuthGrantType.RefreshToken, string clientId = "client-1") => new()
    {
        ConnectionId = id,
        Profile = profile,
        BootstrapRefreshToken = refreshToken is null ? null : new RefreshToken(refreshToken),
        Registration = new ConnectionRegistration
        {
            Provider = profile?.Name ?? "generic",
            TokenEndpoint = InMemoryProvider.TokenEndpoint,
            ClientId = clientId,
            ClientSecret = new ClientSecret("secret-" + clientId),
            Grant = grant,
            Scope = "contacts:read",
        },
    };

    public async Task<ConnectionRecord> RecordAsync(string id = ConnectionId) => (await Store.GetAsync(id))!;

    /// <summary>The furthest <see cref="DriveAsync{T}"/> moves the clock in one jump (<see cref="ClockDriver.MaxJump"/>).</summary>
    public static readonly TimeSpan MaxDriveJump = ClockDriver.MaxJump;

    /// <summary>How long, in real time, a test waits for work before failing (<see cref="ClockDriver.Limit"/>).</summary>
    public static readonly TimeSpan DriveLimit = ClockDriver.Limit;

    /// <summary>Runs <paramref name="task"/> to completion on the fake clock (<see cref="ClockDriver"/>). No sleeps.</summary>
    public Task<T> DriveAsync<T>(Task<T> task, int maxJumps = 10_000) => ClockDriver.DriveAsync(Clock, task, maxJumps);

    public Task DriveAsync(Task task) => ClockDriver.DriveAsync(Clock, task);

    public async ValueTask DisposeAsync() => await Manager.DisposeAsync();
}
