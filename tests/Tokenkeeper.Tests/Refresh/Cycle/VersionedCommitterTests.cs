using Tokenkeeper.Refresh;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Tests.Refresh.Cycle;

/// <summary>Compare-and-swap commits: a change decided on an old record never overwrites a newer one unless it is re-applied.</summary>
public sealed class VersionedCommitterTests
{
    [Fact]
    public async Task ACommitOnTheLatestVersion_IsStored_WithItsNewVersion()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync();
        var committer = new VersionedCommitter(rig.Context);

        var committed = await committer.CommitAsync(record, record with { LastError = "mine" }, null, null, CommitKind.Failure, default);

        Assert.NotNull(committed);
        Assert.Equal(record.Version + 1, committed.Version);
        Assert.Equal("mine", (await rig.RecordAsync()).LastError);
    }

    [Fact]
    public async Task AConflict_IsMergedOntoTheNewerRecord_AndThePeersChangeSurvives()
    {
        var rig = new RefreshRig();
        var stale = await rig.SeedAsync();
        var peer = (await rig.Store.CommitAsync(new ConnectionCommit(stale with { LastError = "peer" }, stale.Version))).Version;
        var committer = new VersionedCommitter(rig.Context);

        var committed = await committer.CommitAsync(stale, stale with { ConsecutiveFailures = 7 }, null, null, CommitKind.Failure, default, latest => (latest with { ConsecutiveFailures = 7 }, []));

        Assert.Equal(peer + 1, committed!.Version);
        var stored = await rig.RecordAsync();
        Assert.Equal(("peer", 7), (stored.LastError, stored.ConsecutiveFailures));
    }

    [Fact]
    public async Task AConflictWithoutAMerge_OrAMergeThatDeclines_CommitsNothing()
    {
        var rig = new RefreshRig();
        var stale = await rig.SeedAsync();
        await rig.Store.CommitAsync(new ConnectionCommit(stale with { LastError = "peer" }, stale.Version));
        var committer = new VersionedCommitter(rig.Context);

        Assert.Null(await committer.CommitAsync(stale, stale with { LastError = "mine" }, null, null, CommitKind.Failure, default));
        Assert.Null(await committer.CommitAsync(stale, stale with { LastError = "mine" }, null, null, CommitKind.Failure, default, _ => null));
        Assert.Equal("peer", (await rig.RecordAsync()).LastError);
    }

    [Fact]
    public async Task ALostLease_StopsIntentsAndFailures_ButIssuedTokensAreStoredIfNobodyCommittedSince()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync();
        var lease = (await rig.LeaseAsync()).Lease;
        var stolen = lease with { Fence = lease.Fence + 1 };
        var committer = new VersionedCommitter(rig.Context);

        Assert.Null(await committer.CommitAsync(record, record with { LastError = "failure" }, stolen, null, CommitKind.Failure, default));
        Assert.Null(await committer.CommitAsync(record, record with { LastError = "intent" }, stolen, null, CommitKind.Intent, default));
        var success = await committer.CommitAsync(record, record with { LastError = "tokens" }, stolen, null, CommitKind.Success, default);

        Assert.NotNull(success);
        Assert.Equal("tokens", (await rig.RecordAsync()).LastError);
    }

    [Fact]
    public async Task EndlessConflicts_GiveUpAfterTheMaximumAttempts()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync();
        var commits = 0;
        rig.Store.BeforeCommit = _ => { commits++; return CommitResult.Failed(CommitConflict.VersionMismatch); };
        var committer = new VersionedCommitter(rig.Context);

        var committed = await committer.CommitAsync(record, record with { LastError = "mine" }, null, null, CommitKind.Success, default, latest => (latest with { LastError = "mine" }, []));

        Assert.Null(committed);
        Assert.Equal(RefreshConstants.MaxCommitAttempts, commits);
    }

    [Fact]
    public async Task AStoreFailure_IsThrown_NotRetriedHere()
    {
        var rig = new RefreshRig();
        var record = await rig.SeedAsync();
        var commits = 0;
        rig.Store.BeforeCommit = _ => { commits++; throw new TokenStoreException("the store is down"); };
        var committer = new VersionedCommitter(rig.Context);

        await Assert.ThrowsAsync<TokenStoreException>(() => committer.CommitAsync(record, record, null, [], CommitKind.Success, default));
        Assert.Equal(1, commits); // the store has already retried for its own window
    }
}
