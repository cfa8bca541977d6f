using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;
using Tokenkeeper.Tests.Support;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>What the provider issued is stored, or kept, or dropped only because another writer moved on: never lost.</summary>
public sealed class IssuedTokenCommitterTests : IDisposable
{
    private readonly TempSqlite _sqlite = new();

    public void Dispose() => _sqlite.Dispose();

    private static IssuedTokenCommitter Committer(RefreshRig rig) => new(rig.Context, new VersionedCommitter(rig.Context), rig.Engine.KeptStorage);

    private static async Task<IssuedCommit> CommitAsync(RefreshRig rig, ConnectionRecord working, bool rotated = true)
    {
        await using var lease = await rig.LeaseAsync();
        var spent = working.Tokens!.RefreshToken;
        var tokens = rig.Tokens(rotated ? new RefreshToken("rt-issued") : spent, "at-issued");
        var issued = new UncommittedTokens(tokens, working.RefreshTokenGeneration, spent, RefreshTrigger.Expiring);
        var next = RecordTransitions.Refreshed(working, tokens, working.RefreshTokenGeneration, rotated, rig.Now);
        return await Committer(rig).CommitAsync(rig.Source, working, lease.Lease, issued, next, [], latest =>
            RecordTransitions.StillHolds(latest, working.RefreshTokenGeneration, spent) ? (RecordTransitions.Refreshed(latest, tokens, working.RefreshTokenGeneration, rotated, rig.Now), []) : null, rotated, default);
    }

    [Fact]
    public async Task Committed_TheTokensAreStored_AndNothingIsLeftBesideTheStore()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var working = await rig.SeedAsync();

        var outcome = await CommitAsync(rig, working);

        Assert.Equal(IssuedCommitEnd.Committed, outcome.End);
        Assert.Equal(new RefreshToken("rt-issued"), (await rig.RecordAsync()).Tokens!.RefreshToken);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
        Assert.Null(rig.Source.Kept.Current);
    }

    [Fact]
    public async Task AStoreThatFails_LeavesTheTokensKept_InMemoryAndBesideIt()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var working = await rig.SeedAsync();
        rig.Store.BeforeCommit = _ => throw new TokenStoreException("database is locked", isTransient: true);

        var outcome = await CommitAsync(rig, working);

        Assert.Equal(IssuedCommitEnd.StoreFailed, outcome.End);
        Assert.IsType<TokenStoreException>(outcome.Error);
        Assert.Equal(new RefreshToken("rt-issued"), rig.Source.Kept.Current!.Tokens.RefreshToken);
        Assert.Equal(new RefreshToken("rt-issued"), (await rig.Store.GetKeptAsync(RefreshRig.Id))!.Tokens.RefreshToken);
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task ACommitThatGaveUp_WhileTheStoreStillHoldsTheSpentToken_KeepsTheTokens()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var working = await rig.SeedAsync();
        rig.Store.BeforeCommit = _ => CommitResult.Failed(CommitConflict.VersionMismatch);

        var outcome = await CommitAsync(rig, working);

        Assert.Equal(IssuedCommitEnd.GaveUp, outcome.End);
        Assert.NotNull(rig.Source.Kept.Current);
        await rig.Stopping.CancelAsync();
    }

    [Fact]
    public async Task AnotherWritersNewerGrant_Wins_AndTheIssuedTokensAreDropped()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var working = await rig.SeedAsync();
        var reauthorised = RegistrationRules.Authorized(working, rig.Tokens(new RefreshToken("rt-from-a-new-consent")), null, rig.Now);
        await rig.Store.CommitAsync(new ConnectionCommit(reauthorised, working.Version));

        var outcome = await CommitAsync(rig, working);

        Assert.Equal(IssuedCommitEnd.Superseded, outcome.End);
        Assert.Equal(new RefreshToken("rt-from-a-new-consent"), outcome.Record!.Tokens!.RefreshToken);
        Assert.Null(rig.Source.Kept.Current);
        Assert.Null(await rig.Store.GetKeptAsync(RefreshRig.Id));
    }

    [Fact]
    public async Task TokensThatDidNotRotate_AreNotKept_WhenTheCommitGivesUp_TheStoreStillHoldsTheLiveOne()
    {
        var rig = new RefreshRig(inner: _sqlite.Open);
        var working = await rig.SeedAsync();
        var saved = 0;
        rig.Store.SaveKept = _ => { saved++; return ValueTask.CompletedTask; };
        rig.Store.BeforeCommit = _ => CommitResult.Failed(CommitConflict.VersionMismatch);

        var outcome = await CommitAsync(rig, working, rotated: false);

        Assert.Equal(IssuedCommitEnd.Superseded, outcome.End);
        Assert.Equal(0, saved);
        Assert.Null(rig.Source.Kept.Current);
    }
}
