using System.Security.Cryptography;
using Tokenkeeper.Sqlite;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Refresh;

/// <summary>
/// Tokens the store would not take outlive the process that holds them: they are kept beside the SQLite store (encrypted), and
/// the next instance stores them before any refresh, so a rotated refresh token is never lost and the spent one never sent again.
/// </summary>
public sealed class KeptTokensTests : IDisposable
{
    private const string Id = ManagerFixture.ConnectionId;
    private readonly string _directory = Directory.CreateTempSubdirectory("tk-kept-").FullName;
    private readonly AesGcmSecretProtector _protector = new(RandomNumberGenerator.GetBytes(32));
    private readonly ManualTimeProvider _clock = new();
    private bool _down;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
        _protector.Dispose();
    }

    private SqliteTokenStore OpenSqlite() => new(new SqliteTokenStoreOptions { Path = Path.Combine(_directory, "store.db"), Protector = _protector }, _clock);

    /// <summary>The SQLite store, failing every commit of a refresh while <see cref="_down"/> (a locked or broken database).</summary>
    private HookStore Flaky(SqliteTokenStore sqlite) => new(sqlite)
    {
        BeforeCommit = commit => _down && commit.Events?.Any(e => e.Type == ConnectionEventTypes.Refreshed) == true ? throw new TokenStoreException("database is locked", isTransient: true) : null,
    };

    /// <summary>An instance refreshes while the store refuses the commit, then stops with the store still down: the rotated
    /// tokens could only be kept beside it.</summary>
    private async Task<ManagerFixture> RefreshWhileTheStoreIsDownThenStopAsync(HookStore store)
    {
        _down = true;
        var first = new ManagerFixture(store: store, clock: _clock, configure: o => o.StoreWaitAtStop = TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => first.DriveAsync(first.Manager.GetAccessTokenAsync(Id).AsTask()));
        await first.DriveAsync(first.Manager.StopAsync());
        return first;
    }

    [Fact]
    public async Task TokensTheStoreWouldNotTake_AreKeptBesideIt_AndTheNextInstanceStoresThemBeforeAnyRefresh()
    {
        using var sqlite = OpenSqlite();
        var store = Flaky(sqlite);
        var first = await RefreshWhileTheStoreIsDownThenStopAsync(store);
        var kept = await sqlite.GetKeptAsync(Id);
        var contents = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(sqlite.KeptDirectory)));
        var stored = await first.RecordAsync();

        _down = false;
        await using var next = new ManagerFixture(store: store, clock: _clock, provider: first.Provider);
        var token = await next.DriveAsync(next.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.NotNull(kept);
        Assert.Equal(first.InitialRefreshToken, stored.Tokens!.RefreshToken!.Value.Value); // the store still held the spent token
        Assert.NotNull(stored.PendingRefresh);
        Assert.DoesNotContain(kept.Tokens.RefreshToken!.Value.Value, contents, StringComparison.Ordinal);
        Assert.DoesNotContain(kept.Tokens.AccessToken.Value, contents, StringComparison.Ordinal);

        Assert.Equal([first.InitialRefreshToken], first.Provider.PresentedRefreshTokens); // no refresh at all by the next instance
        var record = await next.RecordAsync();
        Assert.Equal(kept.Tokens.RefreshToken, record.Tokens!.RefreshToken);
        Assert.Equal(token.Token, record.Tokens.AccessToken);
        Assert.Null(record.PendingRefresh);
        Assert.Null(await sqlite.GetKeptAsync(Id));
        Assert.Contains(next.Logs.Lines, l => l.Contains("taking over tokens", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeptTokensTheStoreHasMovedPast_AreDropped_NotStored()
    {
        using var sqlite = OpenSqlite();
        var store = Flaky(sqlite);
        var first = await RefreshWhileTheStoreIsDownThenStopAsync(store);
        _down = false;

        // Meanwhile a person re-authorised the connection: a new grant, a new refresh token, the kept ones are obsolete.
        var fresh = first.Provider.NewRefreshToken();
        await using var operatorSide = new ManagerFixture(store: store, clock: _clock, provider: first.Provider);
        await operatorSide.Manager.AuthorizeAsync(Id, TokenSets.FromRefreshToken(new RefreshToken(fresh), _clock.GetUtcNow()));
        await using var next = new ManagerFixture(store: store, clock: _clock, provider: first.Provider);
        var token = await next.DriveAsync(next.Manager.GetAccessTokenAsync(Id).AsTask());

        Assert.False(token.Token.IsEmpty);
        Assert.Equal([first.InitialRefreshToken, fresh], first.Provider.PresentedRefreshTokens);
        Assert.Null(await sqlite.GetKeptAsync(Id));
    }

    [Fact]
    public async Task Stopping_StoresKeptTokensOnceMore_WhenTheStoreIsBack()
    {
        using var sqlite = OpenSqlite();
        var store = Flaky(sqlite);
        _down = true;
        await using var f = new ManagerFixture(store: store, clock: _clock);
        await Assert.ThrowsAsync<TokenStoreUnavailableException>(() => f.DriveAsync(f.Manager.GetAccessTokenAsync(Id).AsTask()));
        var kept = await sqlite.GetKeptAsync(Id);

        _down = false; // back, but nobody asks for a token again before the process exits

        // Not driven: nothing here waits on the clock, and jumping it could end the store's window while SQLite does real I/O.
        await f.Manager.StopAsync().WaitAsync(ManagerFixture.DriveLimit);

        var record = await f.RecordAsync();
        Assert.Equal(kept!.Tokens.RefreshToken, record.Tokens!.RefreshToken);
        Assert.Null(record.PendingRefresh);
        Assert.Null(await sqlite.GetKeptAsync(Id));
        Assert.Null(await sqlite.GetLeaseAsync(Id));
    }

    /// <summary>Found by an independent review: while the store retries the commit of a rotated answer (up to its 60 s retry window: a locked SQLite
    /// file), the new refresh token exists only in this process's memory; it is written beside the store only after the commit
    /// has given up. A kill -9 (a platform's stop deadline after SIGTERM, say) inside that window loses the grant.</summary>
    [Fact]
    public async Task WhileTheStoreRetriesTheCommitOfARotatedAnswer_TheNewRefreshTokenIsAlreadyKeptBesideIt()
    {
        var directory = Directory.CreateTempSubdirectory("tk-review-").FullName;
        using var protector = new Tokenkeeper.Storage.AesGcmSecretProtector(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var clock = new ManualTimeProvider();
        using var sqlite = new Tokenkeeper.Sqlite.SqliteTokenStore(new Tokenkeeper.Sqlite.SqliteTokenStoreOptions { Path = Path.Combine(directory, "store.db"), Protector = protector }, clock);
        var reached = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        var store = new HookStore(sqlite)
        {
            BeforeCommit = commit =>
            {
                if (commit.Events?.Any(e => e.Type == Tokenkeeper.Events.ConnectionEventTypes.Refreshed) == true && !release.IsSet)
                {
                    reached.Set();
                    release.Wait(); // the store is locked: SqliteRetry keeps trying for its window
                }

                return null;
            },
        };
        await using var f = new ManagerFixture(store: store, clock: clock);
        var caller = Task.Run(() => f.Manager.GetAccessTokenAsync(Id).AsTask());
        Assert.True(reached.Wait(TimeSpan.FromSeconds(30)));

        var kept = await sqlite.GetKeptAsync(Id);
        var stored = await sqlite.GetAsync(Id);
        release.Set();
        await caller;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(directory, recursive: true);

        Assert.Equal(f.InitialRefreshToken, stored!.Tokens!.RefreshToken!.Value.Value); // the provider has rotated; the store holds the spent token
        Assert.True(kept is not null, "the rotated refresh token is only in memory while the store retries the commit: kill -9 now loses the grant");
    }
}
