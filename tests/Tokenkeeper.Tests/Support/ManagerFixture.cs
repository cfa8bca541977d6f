using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Time;
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
        Manager = new TokenManager(Store, new TokenEndpointClient(new HttpClient(Provider, disposeHandler: false), Clock, requestTimeout ?? RequestTimeout), options, Clock, Logs.CreateFactory());
        InitialRefreshToken = grant == OAuthGrantType.RefreshToken ? Provider.NewRefreshToken() : null;
        var definition = Definition(ConnectionId, InitialRefreshToken, profile, grant);
        Manager.Define(introspectionEndpoint is null ? definition : definition with { Registration = definition.Registration with { IntrospectionEndpoint = introspectionEndpoint } });
    }

    public ManualTimeProvider Clock { get; }

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

    /// <summary>The furthest <see cref="DriveAsync{T}"/> moves the clock in one jump: 12 hours. Retry delays, lease polls and
    /// backoffs are shorter; the 1-day request timeout is not, so a request that is merely slow on a loaded machine is never
    /// timed out by the driver mistaking it for work waiting on time.</summary>
    public static readonly TimeSpan MaxDriveJump = TimeSpan.FromHours(12);

    /// <summary>How long, in real time, <see cref="DriveAsync{T}"/> waits for a task before failing the test: 2 minutes.</summary>
    public static readonly TimeSpan DriveLimit = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Runs <paramref name="task"/> to completion on the fake clock: whenever the work is waiting on time (a retry delay, a lease
    /// poll, a backoff), the clock jumps to the next due timer; otherwise the thread yields so the work can progress. No sleeps.
    /// </summary>
    public async Task<T> DriveAsync<T>(Task<T> task, int maxJumps = 10_000)
    {
        var jumps = 0;
        var idle = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!task.IsCompleted)
        {
            Assert.True(started.Elapsed < DriveLimit, "the task did not complete");
            if (Clock.NextDueTime() is { } due && due - Clock.GetUtcNow() <= MaxDriveJump && ++idle > 50)
            {
                Clock.SetUtcNow(due > Clock.GetUtcNow() ? due : Clock.GetUtcNow());
                idle = 0;
                Assert.True(++jumps < maxJumps, "the task did not complete");
            }
            else
            {
                await Task.Yield();
                Thread.Yield();
            }
        }

        return await task;
    }

    public Task DriveAsync(Task task) => DriveAsync(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default));

    public async ValueTask DisposeAsync() => await Manager.DisposeAsync();
}
