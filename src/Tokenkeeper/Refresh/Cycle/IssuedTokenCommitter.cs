using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Refresh;

/// <summary>How committing tokens the provider issued ended.</summary>
internal enum IssuedCommitEnd
{
    /// <summary>Stored: <see cref="IssuedCommit.Record"/> is the committed record.</summary>
    Committed,

    /// <summary>Another writer changed the connection first (a peer's refresh, a new grant): theirs wins, ours is dropped.
    /// <see cref="IssuedCommit.Record"/> is the latest record.</summary>
    Superseded,

    /// <summary>The store failed: the tokens are kept (<see cref="IssuedCommit.Error"/> says why).</summary>
    StoreFailed,

    /// <summary>The commit gave up (repeated conflicts, a lost lease) and the store still holds the spent refresh token: the tokens
    /// are kept.</summary>
    GaveUp,

    /// <summary>The commit gave up and the record could not be read to tell whether the store moved on: the tokens are kept
    /// (<see cref="IssuedCommit.Error"/> says why).</summary>
    Unreadable,
}

/// <summary>How committing issued tokens ended, with the record it ended on or the store's error.</summary>
internal readonly record struct IssuedCommit(IssuedCommitEnd End, ConnectionRecord? Record = null, Exception? Error = null);

/// <summary>
/// Commits what the provider issued without ever losing a new refresh token (DESIGN.md contracts 4 and 5): written beside the
/// store just ahead of the commit (so a store busy for its whole retry window cannot leave it in memory alone, where a kill
/// would lose it), committed with compare-and-swap, and kept (<see cref="KeptTokenStorage"/>) whenever the store would not take
/// it while still holding the spent one. Dropped only when another writer moved the connection on.
/// </summary>
internal sealed class IssuedTokenCommitter(RefreshContext context, VersionedCommitter committer, KeptTokenStorage kept)
{
    /// <summary>Commits <paramref name="next"/> (which holds <paramref name="issued"/>) over <paramref name="working"/>.</summary>
    /// <param name="source">The connection's source (where tokens are kept).</param>
    /// <param name="working">The record the change applies to.</param>
    /// <param name="lease">The lease the commit is fenced on.</param>
    /// <param name="issued">What the provider issued, as it would be kept.</param>
    /// <param name="next">The record to store.</param>
    /// <param name="events">Its events.</param>
    /// <param name="merge">Re-applies the change onto a newer record, or null to give up.</param>
    /// <param name="rotated">Whether the provider issued a new refresh token (else nothing is lost if the commit fails: the store
    /// still holds the live one, and only a failing store keeps the tokens).</param>
    /// <param name="cancellationToken">Cancels store calls (tokens already issued are kept whatever happens).</param>
    public async Task<IssuedCommit> CommitAsync(ConnectionTokenSource source, ConnectionRecord working, StoreLease lease, UncommittedTokens issued, ConnectionRecord next, IReadOnlyList<ConnectionEvent>? events, VersionedCommitter.Merge merge, bool rotated, CancellationToken cancellationToken)
    {
        var id = working.ConnectionId;
        if (rotated)
        {
            await kept.SaveBesideAsync(id, issued, aheadOfCommit: true).ConfigureAwait(false);
        }

        ConnectionRecord? committed;
        try
        {
            committed = await committer.CommitAsync(working, next, lease, events, CommitKind.Success, cancellationToken, merge).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The provider issued tokens the store would not take. Keep them: the refresh token may be the only live one.
            await kept.KeepAsync(source, issued).ConfigureAwait(false);
            return new IssuedCommit(IssuedCommitEnd.StoreFailed, Error: ex);
        }

        if (committed is not null)
        {
            await RemoveAheadAsync(id, working, rotated).ConfigureAwait(false);
            return new IssuedCommit(IssuedCommitEnd.Committed, committed);
        }

        ConnectionRecord latest;
        try
        {
            latest = await context.ReadAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (rotated && ex is not OperationCanceledException)
        {
            // Cannot tell whether the store moved on: keeping them is safe (they are dropped later if obsolete), losing them is not.
            await kept.KeepAsync(source, issued).ConfigureAwait(false);
            return new IssuedCommit(IssuedCommitEnd.Unreadable, Error: ex);
        }

        if (rotated && RecordTransitions.StillHolds(latest, working.RefreshTokenGeneration, issued.Spent))
        {
            // The commit gave up but nobody replaced the spent refresh token: the one just issued is the only live one.
            await kept.KeepAsync(source, issued).ConfigureAwait(false);
            return new IssuedCommit(IssuedCommitEnd.GaveUp, latest);
        }

        await RemoveAheadAsync(id, working, rotated).ConfigureAwait(false);
        return new IssuedCommit(IssuedCommitEnd.Superseded, latest);
    }

    private Task RemoveAheadAsync(string id, ConnectionRecord working, bool rotated) =>
        rotated ? kept.RemoveBesideAsync(id, working.RefreshTokenGeneration) : Task.CompletedTask;
}
