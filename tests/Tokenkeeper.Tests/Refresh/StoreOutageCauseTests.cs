using System.Security.Cryptography;
using Tokenkeeper.Connections;
using Tokenkeeper.Events;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// A store outage or a lease that times out is an infrastructure fault: callers get <see cref="FailureCause.Infrastructure"/>, the
/// connection is never marked <c>ReconnectRequired</c>, and no event blames the credential. The hard case: a process whose
/// rotated answer the store would not take (nor the directory beside it) still holds the only live refresh token in memory; a
/// peer that finds its refresh intent must leave it to that live owner, not settle it as a lost answer.
/// </summary>
public sealed class StoreOutageCauseTests : IDisposable
{
    private const string Id = ManagerFixture.ConnectionId;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-outage-").FullName;
    private readonly AesGcmSecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly ManualTimeProvider _clock = new();
    private readonly List<SqliteTokenStore> _stores = [];
    private bool _down;

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _protector.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AStoreThatFailsEveryRead_IsAnInfrastructureFailure_AndLeavesTheConnectionAlone()
    {
        var sqlite = OpenSqlite();
        var store = new HookStore(sqlite);
        await using var f = new ManagerFixture(o => o.MaxAttempts = 1, store: store, clock: _clock);
        await f.Manager.GetAccessTokenAsync(Id).AsTask();
        _clock.Advance(TimeSpan.FromHours(2));
        store.Down = true; // every read, write and lease call fails from now on

        var error = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        var refresh = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.Manager.RefreshAsync(Id));
        store.Down = false;
        _clock.Advance(TimeSpan.FromSeconds(2)); // past the fail-fast window after a failed refresh

        Assert.Equal(FailureCause.Infrastructure, error.Cause);
        Assert.Equal(FailureCause.Infrastructure, refresh.Cause);
        var record = (await sqlite.GetAsync(Id))!;
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.DoesNotContain(await EventsAsync(sqlite), e => e.Cause == FailureCause.Credential || e.Type == ConnectionEventTypes.ReconnectRequired);
        Assert.False((await f.Manager.GetAccessTokenAsync(Id)).Token.IsEmpty); // and it serves again once the store is back
    }

    [Fact]
    public async Task APeerFindingALiveOwnersIntent_WhileTheStoreRefusesItsAnswer_WaitsAsInfrastructure_NeverMarksReconnectRequired()
    {
        var store = Flaky(OpenSqlite());
        await using var owner = new ManagerFixture(o => o.MaxAttempts = 1, store: store, clock: _clock, requestTimeout: RequestTimeout);
        await using var peer = new ManagerFixture(o => o.MaxAttempts = 1, store: store, clock: _clock, provider: owner.Provider, requestTimeout: RequestTimeout);
        var first = await owner.Manager.GetAccessTokenAsync(Id).AsTask();
        _clock.Advance(TimeSpan.FromHours(2));

        // The owner's refresh is answered (the provider rotates the refresh token) but neither the store nor the directory beside
        // it takes the new tokens: only the owner's memory holds the live refresh token.
        _down = true;
        var ownerError = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => owner.Manager.GetAccessTokenAsync(Id).AsTask());
        var afterOwner = await owner.RecordAsync();
        _clock.Advance(TimeSpan.FromMinutes(2)); // the owner's request can no longer be in flight

        // The peer needs a token meanwhile: it must not take the owner's intent for a lost answer.
        var peerError = await Assert.ThrowsAnyAsync<TokenAcquisitionException>(() => peer.DriveAsync(peer.Manager.GetAccessTokenAsync(Id).AsTask()));
        var whileDown = await peer.RecordAsync();

        // The store comes back: the owner stores what it kept before it serves its next caller, and the peer then serves those
        // tokens without another refresh. (The owner's background loop does the same within KeptTokensRetryMax; driving it here
        // would race the peer's lease polls on the fake clock.)
        _down = false;
        _clock.Advance(TimeSpan.FromSeconds(2)); // past the peer's fail-fast window after its failed refresh
        var ownersNext = await owner.DriveAsync(owner.Manager.GetAccessTokenAsync(Id).AsTask());
        var served = await peer.DriveAsync(peer.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.Equal(FailureCause.Infrastructure, ownerError.Cause);
        Assert.NotNull(afterOwner.PendingRefresh);
        Assert.Equal(FailureCause.Infrastructure, peerError.Cause);
        Assert.Equal(ConnectionState.Active, whileDown.Status.State);
        Assert.NotEqual(first.Token, served.Token);
        Assert.Equal(ownersNext.Token, served.Token);
        var record = await peer.RecordAsync();
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.Null(record.PendingRefresh);
        Assert.Equal(served.Token, record.Tokens!.AccessToken);
        Assert.Equal(2, owner.Provider.PresentedRefreshTokens.Count); // the first refresh and the owner's: the peer sent none
        var events = await EventsAsync((IEventOutbox)store.Inner);
        Assert.DoesNotContain(events, e => e.Type == ConnectionEventTypes.ReconnectRequired || e.Cause == FailureCause.Credential);
        Assert.DoesNotContain(record.History, h => h.To == ConnectionState.ReconnectRequired);
    }

    private SqliteTokenStore OpenSqlite()
    {
        var store = new SqliteTokenStore(new SqliteTokenStoreOptions { Path = Path.Combine(_directory, "store.db"), Protector = _protector }, _clock);
        _stores.Add(store);
        return store;
    }

    /// <summary>The SQLite store, refusing every commit of refreshed tokens, and saving nothing beside it, while <see cref="_down"/>.</summary>
    private HookStore Flaky(SqliteTokenStore sqlite) => new(sqlite)
    {
        BeforeCommit = commit => _down && commit.Events?.Any(e => e.Type == ConnectionEventTypes.Refreshed) == true ? throw new TokenStoreException("database is locked", isTransient: true) : null,
        SaveKept = _ => _down ? throw new IOException("No space left on device") : ValueTask.CompletedTask,
    };

    private static async Task<IReadOnlyList<ConnectionEvent>> EventsAsync(IEventOutbox outbox) => [.. (await outbox.ReadAsync()).Select(e => e.Event)];
}
