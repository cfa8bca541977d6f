using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>
/// The refresh path's steps over fakes of their neighbours, for testing one step at a time: a store that can be made to fail or
/// conflict (<see cref="HookStore"/> over the in-memory store), a provider answering in memory (<see cref="InMemoryProvider"/>),
/// a fake clock, and the steps wired as the manager wires them (<see cref="RefreshEngine"/>) with a source to publish to.
/// </summary>
internal sealed class RefreshRig
{
    public const string Id = "crm";

    public RefreshRig(ProviderProfile? profile = null, Action<TokenManagerOptions>? configure = null, double jitter = 1.0, Func<TimeProvider, ITokenStore>? inner = null, OAuthGrantType grant = OAuthGrantType.RefreshToken, TimeSpan? requestTimeout = null)
    {
        Clock = new ManualTimeProvider();
        Provider = new InMemoryProvider(Clock);
        Store = new HookStore(inner?.Invoke(Clock) ?? new InMemoryTokenStore(Clock));
        Options = new TokenManagerOptions { RefreshAheadJitter = 0 };
        configure?.Invoke(Options);
        Profile = profile ?? ProviderProfiles.Generic;
        Grant = grant;
        var client = new TokenEndpointClient(new HttpClient(Provider, disposeHandler: false), Clock, requestTimeout ?? ManagerFixture.RequestTimeout);
        Context = new RefreshContext(
            Store,
            client,
            Clock,
            Options,
            Metrics,
            Logs.CreateFactory().CreateLogger("Tokenkeeper"),
            new TokenEndpointRateLimiter(Clock, Options.TokenEndpointRequestsPerSecond, Options.TokenEndpointBurst),
            new TokenRequestFactory(Clock, Options),
            new ClientHealth(),
            (_, _) => Profile,
            new RefreshTimings(Options, client.Timeout, () => jitter));
        Engine = new RefreshEngine(Context);
        Source = new ConnectionTokenSource(Id, Engine, _ => Task.CompletedTask, Stopping.Token);
    }

    public ManualTimeProvider Clock { get; }

    public InMemoryProvider Provider { get; }

    public HookStore Store { get; }

    public TokenManagerOptions Options { get; }

    public ProviderProfile Profile { get; set; }

    public OAuthGrantType Grant { get; }

    public TokenkeeperMetrics Metrics { get; } = new();

    public LogSink Logs { get; } = new();

    public RefreshContext Context { get; }

    public RefreshEngine Engine { get; }

    public ConnectionTokenSource Source { get; }

    public CancellationTokenSource Stopping { get; } = new();

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Creates the connection in the store: active, with a live refresh token and, when <paramref name="withAccessToken"/>,
    /// an access token issued now for an hour. <paramref name="shape"/> changes the record before it is stored.</summary>
    public async Task<ConnectionRecord> SeedAsync(bool withAccessToken = false, Func<ConnectionRecord, ConnectionRecord>? shape = null)
    {
        var definition = ManagerFixture.Definition(Id, Grant == OAuthGrantType.RefreshToken ? Provider.NewRefreshToken() : null, Profile, Grant);
        var record = RegistrationRules.Initial(definition, Now);
        if (withAccessToken)
        {
            record = record with { Tokens = Tokens(record.Tokens?.RefreshToken) };
        }

        var (stored, _) = await Store.GetOrCreateAsync(shape is null ? record : shape(record));
        return stored;
    }

    /// <summary>A token set issued now, living an hour.</summary>
    public TokenSet Tokens(RefreshToken? refreshToken, string accessToken = "at-seeded") =>
        new() { AccessToken = new AccessToken(accessToken), RefreshToken = refreshToken, IssuedAt = Now, ExpiresAt = Now.AddHours(1), ExpirySource = ExpirySource.ExpiresIn };

    public async Task<ConnectionRecord> RecordAsync() => (await Store.GetAsync(Id))!;

    /// <summary>The event types written to the outbox for the connection, oldest first.</summary>
    public async Task<IReadOnlyList<string>> EventTypesAsync() =>
        [.. (await ((Tokenkeeper.Events.IEventOutbox)Store.Inner).ReadAsync(Id)).Select(e => e.Event.Type)];

    /// <summary>Takes the connection's lease as this instance.</summary>
    public async Task<HeldLease> LeaseAsync() =>
        new(Context, (await Store.TryAcquireLeaseAsync(Id, Options.InstanceId, Context.Timings.LeaseSpan))!);

    /// <summary>A flight of the source's current epoch.</summary>
    public Flight Flight(RefreshTrigger trigger = RefreshTrigger.NoToken, TimeSpan minValidity = default, AccessToken? rejected = null) =>
        new(trigger, rejected, minValidity, Source.Epoch);

    public Task<T> DriveAsync<T>(Task<T> task) => ClockDriver.DriveAsync(Clock, task);

    public Task DriveAsync(Task task) => ClockDriver.DriveAsync(Clock, task);
}
