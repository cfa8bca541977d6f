using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Refresh.Cycle;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Kept;

/// <summary>Kept tokens live in memory and beside a persistent store, and are taken over by the next process that finds them.</summary>
public sealed class KeptTokenStorageTests : IDisposable
{
    private readonly TempSqlite _sqlite = new();

    public void Dispose() => _sqlite.Dispose();

    private static UncommittedTokens Kept(RefreshRig rig, ConnectionRecord record, string refreshToken = "rt-kept") =>
        new(rig.Tokens(new RefreshToken(refreshToken), "at-kept"), record.RefreshTokenGeneration, record.Tokens!.RefreshToken, RefreshTrigger.Expiring);

    [Fact]
    public async Task KeptTokens_AreHeldInMemory_WrittenBesideTheStore_AndStoredInTheBackground()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        var kept = Kept(rig, record);

        await rig.Engine.KeptStorage.KeepAsync(rig.Source, kept);

        Assert.Same(kept, rig.Source.Kept.Current);
        Assert.False(rig.Source.Kept.Loop.IsCompleted);
        var beside = await rig.Store.GetKeptAsync(RefreshRig.Id);
        Assert.Equal(new RefreshToken("rt-kept"), beside!.Tokens.RefreshToken);
        Assert.Equal(record.RefreshTokenGeneration, beside.SpentGeneration);
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task AFailureToWriteBesideTheStore_IsLoggedAsCritical_AndTheTokensStayInMemory()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        rig.Store.SaveKept = _ => throw new IOException("disk full");

        await rig.Engine.KeptStorage.KeepAsync(rig.Source, Kept(rig, record));

        Assert.NotNull(rig.Source.Kept.Current);
        Assert.Contains(rig.Logs.Lines, l => l.Contains("disk full", StringComparison.Ordinal));
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task ForgettingKeptTokens_RemovesThemFromBesideTheStore()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        var kept = Kept(rig, record);
        await rig.Engine.KeptStorage.KeepAsync(rig.Source, kept);

        await rig.Engine.KeptStorage.ForgetAsync(rig.Source, kept);

        Assert.Null(rig.Source.Kept.Current);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task TokensAnotherProcessKept_AreTakenOver_WhenTheStoreStillHoldsTheTokenTheyReplace()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        await rig.Store.SaveKeptAsync(Kept(rig, record).ToKept(RefreshRig.Id, "a-process-that-died", rig.Now));

        await rig.Engine.KeptStorage.AdoptBesideAsync(rig.Source, record);

        Assert.Equal(new RefreshToken("rt-kept"), rig.Source.Kept.Current!.Tokens.RefreshToken);
        Assert.Equal(RefreshTrigger.StoreKept, rig.Source.Kept.Current.Trigger);
        Assert.Contains(rig.Logs.Lines, l => l.Contains("a-process-that-died", StringComparison.Ordinal));
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task TokensAnotherProcessKept_AreRemoved_WhenTheStoreHasMovedOn()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var record = await rig.SeedAsync();
        await rig.Store.SaveKeptAsync(Kept(rig, record).ToKept(RefreshRig.Id, "a-process-that-died", rig.Now));
        var movedOn = record with { RefreshTokenGeneration = record.RefreshTokenGeneration + 1, Tokens = rig.Tokens(new RefreshToken("rt-a-peer-stored")) };

        await rig.Engine.KeptStorage.AdoptBesideAsync(rig.Source, movedOn);

        Assert.Null(rig.Source.Kept.Current);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
    }
}
