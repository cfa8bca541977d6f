using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Refresh.Cycle;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Kept;

/// <summary>Kept tokens are stored before any further refresh, and once more when the manager stops; obsolete ones are forgotten.</summary>
public sealed class KeptTokensCommitterTests : IDisposable
{
    private readonly TempSqlite _sqlite = new();

    public void Dispose() => _sqlite.Dispose();

    private static async Task<UncommittedTokens> KeepAsync(RefreshRig rig, ConnectionRecord record, bool refreshTokenOnly = false)
    {
        var kept = new UncommittedTokens(rig.Tokens(new RefreshToken("rt-kept"), "at-kept"), record.RefreshTokenGeneration, record.Tokens!.RefreshToken, RefreshTrigger.Expiring, refreshTokenOnly);
        await rig.Engine.KeptStorage.KeepAsync(rig.Source, kept);
        return kept;
    }

    [Fact]
    public async Task KeptTokens_AreStoredAsTheRefreshTheyCameFrom_AndServed()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        var kept = await KeepAsync(rig, record);
        await using var lease = await rig.LeaseAsync();

        var (latest, handle) = await rig.Engine.KeptTokens.CommitAsync(rig.Source, rig.Flight(RefreshTrigger.StoreKept), record, lease, kept, default);

        Assert.Equal(new AccessToken("at-kept"), handle!.Token);
        Assert.Equal((record.RefreshTokenGeneration + 1, new RefreshToken("rt-kept")), (latest.RefreshTokenGeneration, latest.Tokens!.RefreshToken));
        Assert.Null(rig.Source.Kept.Current);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task AKeptSalvagedRefreshToken_IsStoredAlone_AndNothingIsServed()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        var kept = await KeepAsync(rig, record, refreshTokenOnly: true);
        await using var lease = await rig.LeaseAsync();

        var (latest, handle) = await rig.Engine.KeptTokens.CommitAsync(rig.Source, rig.Flight(), record, lease, kept, default);

        Assert.Null(handle);
        Assert.Equal(new RefreshToken("rt-kept"), latest.Tokens!.RefreshToken);
        Assert.Null(rig.Source.Kept.Current);
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task KeptTokensTheStoreHasMovedPast_AreForgotten_NotStored()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        var kept = await KeepAsync(rig, record);
        var reauthorised = RegistrationRules.Authorized(record, rig.Tokens(new RefreshToken("rt-new-consent")), null, rig.Now);
        await rig.Store.CommitAsync(new ConnectionCommit(reauthorised, record.Version));
        await using var lease = await rig.LeaseAsync();

        var (latest, handle) = await rig.Engine.KeptTokens.CommitAsync(rig.Source, rig.Flight(), await rig.RecordAsync(), lease, kept, default);

        Assert.Null(handle);
        Assert.Equal(new RefreshToken("rt-new-consent"), latest.Tokens!.RefreshToken);
        Assert.Null(rig.Source.Kept.Current);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
    }

    [Fact]
    public async Task AtStop_KeptTokensAreStored_WhenTheStoreTakesThem()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        await KeepAsync(rig, record);
        await rig.Stopping.CancelAsync();

        await rig.Engine.KeptTokens.StoreAtStopAsync(rig.Source, TimeSpan.FromSeconds(5));

        Assert.Equal(new RefreshToken("rt-kept"), (await rig.RecordAsync()).Tokens!.RefreshToken);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
        Assert.Null(await rig.Store.GetLeaseAsync(RefreshRig.Id));
    }

    [Fact]
    public async Task AtStop_KeptTokensTheStoreStillRefuses_StayBesideIt_ForTheNextProcess()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        await KeepAsync(rig, record);
        await rig.Stopping.CancelAsync();
        rig.Store.BeforeCommit = _ => throw new TokenStoreException("database is locked", isTransient: true);

        await rig.Engine.KeptTokens.StoreAtStopAsync(rig.Source, TimeSpan.FromSeconds(5));

        Assert.Equal(record.Tokens!.RefreshToken, (await rig.RecordAsync()).Tokens!.RefreshToken);
        Assert.Equal(new RefreshToken("rt-kept"), (await rig.Store.GetKeptAsync(RefreshRig.Id))!.Tokens.RefreshToken);
        Assert.Contains(rig.Logs.Lines, l => l.Contains("database is locked", StringComparison.Ordinal));
    }
}
