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
    private readonly TempSqlite _sqlite = new();
    private readonly ManualTimeProvider _clock = new();
    private bool _down;

    public void Dispose() => _sqlite.Dispose();

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
        Assert.Equal(2, f.Manager.Metrics.RefreshFailures); // counted as failed cycles (tokenkeeper.refreshes, cause infrastructure)
        var record = (await sqlite.GetAsync(Id))!;
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.DoesNotContain(await EventsAsync(sqlite), e => e.Cause == FailureCause.Credential || e.Type == ConnectionEventTypes.ReconnectRequired);
        Assert.False((await f.Manager.GetAccessTokenAsync(Id)).Token.IsEmpty); // and it serves again once the store is back
    }

    [Fact]
    public async Task APeerFindingALiveOwnersIntent_AfterAStoreOutage_LeavesItToTheOwner_NeverMarksReconnectRequired()
    {
        var sqlite = OpenSqlite();
        var store = new HookStore(sqlite) { SaveKept = _ => _down ? throw new IOException("No space left on device") : ValueTask.CompletedTask };
        await using var owner = new ManagerFixture(o => o.MaxAttempts = 1, store: store, clock: _clock, requestTimeout: RequestTimeout);
        await using var peer = new ManagerFixture(o => o.MaxAttempts = 1, store: store, clock: _clock, provider: owner.Provider, requestTimeout: RequestTimeout);
        var first = await owner.Manager.GetAccessTokenAsync(Id).AsTask();
        _clock.Advance(TimeSpan.FromHours(2));

        // The store goes down while the owner's refresh is at the provider: the provider rotates the refresh token, and neither
        // the store nor the directory beside it takes the answer. Only the owner's memory holds the live refresh token.
        owner.Provider.BeforeRefresh = _ =>
        {
            _down = store.Down = true;
            return Task.CompletedTask;
        };
        var ownerError = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => owner.Manager.GetAccessTokenAsync(Id).AsTask());
        owner.Provider.BeforeRefresh = null;
        var peerDuringOutage = await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => peer.Manager.GetAccessTokenAsync(Id).AsTask());

        // The store comes back after a while. The peer needs a token first: it finds the owner's refresh intent, its request long
        // done, and must not settle it as a lost answer (that would mark the grant rotation_lost_in_flight).
        _clock.Advance(TimeSpan.FromMinutes(10)); // the outage lasts: the owner's background attempt to store fails meanwhile
        await Waits.UntilAsync(() => _clock.NextDueTime() > _clock.GetUtcNow(), "the owner's background attempt to fail and schedule the next");
        _down = store.Down = false;
        var peerCall = peer.Manager.GetAccessTokenAsync(Id).AsTask();
        await Waits.UntilAsync(() => peer.Manager.Metrics.LeaseWaits > 0 || peerCall.IsCompleted, "the peer to find the owner's intent");
        var peerWaited = !peerCall.IsCompleted;

        // The owner's background loop stores what it kept (within KeptTokensRetryMax); the peer then serves it, no refresh.
        for (var step = 0; step < 100 && (await sqlite.GetAsync(Id))!.PendingRefresh is not null; step++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        var served = await peer.DriveAsync(peerCall);

        Assert.Equal(FailureCause.Infrastructure, ownerError.Cause);
        Assert.Equal(FailureCause.Infrastructure, peerDuringOutage.Cause);
        Assert.True(peerWaited, "the peer settled the live owner's intent instead of waiting for it");
        Assert.NotEqual(first.Token, served.Token);
        var record = (await sqlite.GetAsync(Id))!;
        Assert.Equal(ConnectionState.Active, record.Status.State);
        Assert.Null(record.PendingRefresh);
        Assert.Equal(served.Token, record.Tokens!.AccessToken);
        Assert.Equal(2, owner.Provider.PresentedRefreshTokens.Count); // the first refresh and the owner's: the peer sent none
        var events = await EventsAsync(sqlite);
        Assert.DoesNotContain(events, e => e.Type == ConnectionEventTypes.ReconnectRequired || e.Cause == FailureCause.Credential);
        Assert.DoesNotContain(record.History, h => h.To == ConnectionState.ReconnectRequired);
    }

    /// <summary>Found by an independent review: the wait for a live owner was counted from when one process first saw the intent,
    /// but a single call gave up before it ended, so peers that ask once per process (cron, short jobs) never settled an intent a
    /// live owner would not settle either. Now a call waits the owner's patience out, then settles the intent under the usual
    /// rules. An owner of this process whose manager is gone is not live at all.</summary>
    [Theory]
    [InlineData(false)] // a manager of this process that no longer runs
    [InlineData(true)] // a dead owner whose PID now belongs to an unrelated process (PID 1), as after a reboot
    public async Task APeerThatAsksOnce_SettlesAnIntentItsLiveLookingOwnerNeverSettles(bool reusedPid)
    {
        var store = new InMemoryTokenStore(_clock);
        var provider = new InMemoryProvider(_clock) { Rotate = false }; // Google does not rotate: a resend is harmless, even one the driver times out
        await using (var seed = new ManagerFixture(store: store, clock: _clock, provider: provider, requestTimeout: RequestTimeout, profile: ProviderProfiles.Google))
        {
            await seed.Manager.GetAccessTokenAsync(Id);
        }

        var record = (await store.GetAsync(Id))!;
        var owner = reusedPid ? $"{Environment.MachineName}:1:{Tokenkeeper.Refresh.LeaseOwners.PidNamespace}:deadbeef" : Tokenkeeper.Refresh.LeaseOwners.ForThisProcess();
        var intent = new RefreshIntent(record.RefreshTokenGeneration, record.Tokens!.RefreshToken!.Value.Fingerprint, _clock.GetUtcNow(), owner, ResponseLost: false, _clock.GetUtcNow() + RequestTimeout + TimeSpan.FromSeconds(5));
        await store.CommitAsync(new ConnectionCommit(record with { PendingRefresh = intent }, record.Version));
        _clock.Advance(TimeSpan.FromHours(2));
        var start = _clock.GetUtcNow();

        await using var peer = new ManagerFixture(store: store, clock: _clock, provider: provider, requestTimeout: RequestTimeout, profile: ProviderProfiles.Google);
        var token = await peer.DriveAsync(peer.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty); // settled: Google does not rotate, so the refresh token was sent again
        Assert.Null((await store.GetAsync(Id))!.PendingRefresh);
        var waited = _clock.GetUtcNow() - start;
        if (reusedPid)
        {
            Assert.InRange(waited, Tokenkeeper.Refresh.RefreshConstants.LiveOwnerPatience, Tokenkeeper.Refresh.RefreshConstants.LiveOwnerPatience + TimeSpan.FromSeconds(5));
        }
        else
        {
            Assert.True(waited < Tokenkeeper.Refresh.RefreshConstants.LiveOwnerPatience / 2, $"waited {waited} for an owner whose manager is gone");
        }
    }

    private SqliteTokenStore OpenSqlite() => _sqlite.Open(_clock);

    private static async Task<IReadOnlyList<ConnectionEvent>> EventsAsync(IEventOutbox outbox) => [.. (await outbox.ReadAsync()).Select(e => e.Event)];
}
