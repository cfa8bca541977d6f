using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Applies an operator's or the planner's change to a stored record with compare-and-swap, outside any lease: re-read and
/// re-applied on every conflict, so a change decided on an older snapshot never overwrites a peer's newer state.
/// </summary>
internal sealed class RecordUpdater(ITokenStore store, TimeProvider time, TokenkeeperMetrics metrics)
{
    /// <summary>Applies <paramref name="change"/> to the stored record. Returning the same record instance commits nothing.</summary>
    public async Task<ConnectionRecord> UpdateAsync(string connectionId, Func<ConnectionRecord, DateTimeOffset, (ConnectionRecord Next, IReadOnlyList<ConnectionEvent> Events)> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var record = await store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false)
                ?? throw new TokenkeeperConfigurationException($"The store has no connection '{connectionId}'.");
            var (next, events) = change(record, time.GetUtcNow());
            if (ReferenceEquals(next, record))
            {
                return record;
            }

            var result = await store.CommitAsync(new ConnectionCommit(next, record.Version, null, events), cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return next with { Version = result.Version };
            }

            metrics.RecordConflict(connectionId, TagValue.Of(result.Conflict));
        }
    }

    /// <summary>The <c>state_changed</c> event of a change, when it changed the state, and <c>recovered</c> when it made an
    /// unhealthy connection <c>Active</c> again (<see cref="ConnectionEvents.Transition"/>).</summary>
    public static IReadOnlyList<ConnectionEvent> StateEvents(ConnectionRecord before, ConnectionRecord after, DateTimeOffset now) =>
        ConnectionEvents.Transition(before, after, now);
}
