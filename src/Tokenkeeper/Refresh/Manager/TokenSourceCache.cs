using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace Tokenkeeper.Refresh;

/// <summary>
/// Every connection's source in this process, created on first use. Lookups by name are on every token request, so known
/// sources are read from a frozen snapshot (no hashing of the whole name, no locks: about 10 ns less than the concurrent
/// dictionary, see docs/performance.md); the snapshot is rebuilt when a source is added, at most each time the number of sources
/// doubles once there are many (<see cref="RefreshConstants.SourceSnapshotAlwaysRebuildBelow"/>), so names from untrusted input
/// cannot make lookups quadratic.
/// </summary>
/// <param name="create">Creates the source of a connection.</param>
internal sealed class TokenSourceCache(Func<string, ConnectionTokenSource> create)
{
    private readonly ConcurrentDictionary<string, ConnectionTokenSource> _sources = new(StringComparer.Ordinal);
    private readonly Lock _snapshotLock = new();
    private FrozenDictionary<string, ConnectionTokenSource> _snapshot = FrozenDictionary<string, ConnectionTokenSource>.Empty;

    /// <summary>Every source created so far.</summary>
    public ICollection<ConnectionTokenSource> All => _sources.Values;

    /// <summary>The source of <paramref name="connectionId"/>, created on first use.</summary>
    public ConnectionTokenSource Get(string connectionId)
    {
        if (connectionId is not null && Volatile.Read(ref _snapshot).TryGetValue(connectionId, out var known))
        {
            return known;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(connectionId);
        if (_sources.TryGetValue(connectionId, out var existing))
        {
            return existing; // added since the last rebuild (only with very many connections)
        }

        var source = _sources.GetOrAdd(connectionId, static (id, factory) => factory(id), create);
        lock (_snapshotLock)
        {
            var snapshot = _snapshot;
            if (!snapshot.ContainsKey(connectionId)
                && (_sources.Count <= RefreshConstants.SourceSnapshotAlwaysRebuildBelow || _sources.Count >= 2 * snapshot.Count))
            {
                Volatile.Write(ref _snapshot, _sources.ToFrozenDictionary(StringComparer.Ordinal));
            }
        }

        return source;
    }
}
