using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Commits a record change with compare-and-swap (DESIGN.md contract 4). On a version conflict it re-reads and asks the caller's
/// merge to re-apply the change onto the newer record (null: give up). A <see cref="CommitKind.Success"/> commit also survives a
/// lost lease (a version-only commit: if nobody committed since, storing what the provider just issued is strictly better than
/// dropping it); intents and failures never overwrite a new lease holder's work. A store failure throws: the store has already
/// retried it for its window.
/// </summary>
internal sealed class VersionedCommitter(RefreshContext context)
{
    /// <summary>Re-applies a change onto a newer record, or null to give up.</summary>
    public delegate (ConnectionRecord Record, IReadOnlyList<ConnectionEvent> Events)? Merge(ConnectionRecord latest);

    /// <summary>The committed record (with its new version), or null when the commit gave up.</summary>
    public async Task<ConnectionRecord?> CommitAsync(ConnectionRecord expected, ConnectionRecord next, StoreLease? lease, IReadOnlyList<ConnectionEvent>? events, CommitKind kind, CancellationToken cancellationToken, Merge? merge = null)
    {
        var id = expected.ConnectionId;
        var currentExpected = expected;
        var currentNext = next;
        var currentEvents = events;
        for (var attempt = 0; attempt < RefreshConstants.MaxCommitAttempts; attempt++)
        {
            var result = await context.Store.CommitAsync(new ConnectionCommit(currentNext, currentExpected.Version, lease, currentEvents), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return currentNext with { Version = result.Version };
            }

            context.Metrics.RecordConflict(id, TagValue.Of(result.Conflict));
            if (result.Conflict == CommitConflict.LeaseLost)
            {
                if (kind != CommitKind.Success)
                {
                    return null;
                }

                lease = null;
                continue;
            }

            if (merge is null)
            {
                return null;
            }

            var latest = await context.ReadAsync(id, cancellationToken).ConfigureAwait(false);
            if (merge(latest) is not { } merged)
            {
                return null;
            }

            currentExpected = latest;
            (currentNext, currentEvents) = merged;
        }

        return null;
    }
}
