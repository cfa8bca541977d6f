using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Tests.Support;

/// <summary>A store that passes everything to another one, except what a test hooks: a commit answered or failed on purpose, a
/// pause after registering, kept tokens that cannot be saved.</summary>
internal sealed class HookStore(ITokenStore inner) : ITokenStore, IKeptTokenStore
{
    public ITokenStore Inner => inner;

    public Func<Task>? AfterGetOrCreate { get; set; }

    /// <summary>While set, every read, write and lease call fails as a locked database does (a store outage).</summary>
    public bool Down { get; set; }

    public Func<ConnectionCommit, CommitResult?>? BeforeCommit { get; set; }

    /// <summary>Replaces saving kept tokens (to make it fail, say).</summary>
    public Func<KeptTokens, ValueTask>? SaveKept { get; set; }

    public ValueTask<ConnectionRecord?> GetAsync(string connectionId, CancellationToken cancellationToken = default) => Up() ? inner.GetAsync(connectionId, cancellationToken) : default;

    public ValueTask<IReadOnlyList<ConnectionRecord>> ListAsync(CancellationToken cancellationToken = default) => Up() ? inner.ListAsync(cancellationToken) : default;

    public async ValueTask<(ConnectionRecord Record, bool Created)> GetOrCreateAsync(ConnectionRecord record, IReadOnlyList<ConnectionEvent>? events = null, CancellationToken cancellationToken = default)
    {
        var result = await inner.GetOrCreateAsync(record, events, cancellationToken);
        if (AfterGetOrCreate is { } hook)
        {
            await hook();
        }

        return result;
    }

    public ValueTask<bool> DeleteAsync(string connectionId, long expectedVersion, CancellationToken cancellationToken = default) => inner.DeleteAsync(connectionId, expectedVersion, cancellationToken);

    public ValueTask<CommitResult> CommitAsync(ConnectionCommit commit, CancellationToken cancellationToken = default) =>
        !Up() ? default : BeforeCommit?.Invoke(commit) is { } forced ? ValueTask.FromResult(forced) : inner.CommitAsync(commit, cancellationToken);

    public ValueTask<StoreLease?> TryAcquireLeaseAsync(string connectionId, string owner, TimeSpan duration, CancellationToken cancellationToken = default, string? takeOverFrom = null) =>
        !Up() ? default : inner.TryAcquireLeaseAsync(connectionId, owner, duration, cancellationToken, takeOverFrom);

    public ValueTask<StoreLease?> GetLeaseAsync(string connectionId, CancellationToken cancellationToken = default) => inner.GetLeaseAsync(connectionId, cancellationToken);

    /// <summary>Replaces renewing a lease (to lose it, say).</summary>
    public Func<StoreLease, StoreLease?>? RenewLease { get; set; }

    public ValueTask<StoreLease?> RenewLeaseAsync(StoreLease lease, TimeSpan duration, CancellationToken cancellationToken = default) =>
        RenewLease is { } renew ? ValueTask.FromResult(renew(lease)) : inner.RenewLeaseAsync(lease, duration, cancellationToken);

    /// <summary>Replaces releasing a lease (to make it fail, say).</summary>
    public Func<StoreLease, ValueTask>? ReleaseLease { get; set; }

    public ValueTask ReleaseLeaseAsync(StoreLease lease, CancellationToken cancellationToken = default) =>
        ReleaseLease?.Invoke(lease) ?? inner.ReleaseLeaseAsync(lease, cancellationToken);

    /// <summary>Kept tokens go to the inner store when it keeps them (SQLite), and nowhere otherwise (in memory).</summary>
    public ValueTask SaveKeptAsync(KeptTokens kept, bool durable = true, CancellationToken cancellationToken = default) =>
        SaveKept?.Invoke(kept) ?? (inner is IKeptTokenStore beside ? beside.SaveKeptAsync(kept, durable, cancellationToken) : ValueTask.CompletedTask);

    public ValueTask<KeptTokens?> GetKeptAsync(string connectionId, CancellationToken cancellationToken = default) =>
        inner is IKeptTokenStore beside ? beside.GetKeptAsync(connectionId, cancellationToken) : ValueTask.FromResult<KeptTokens?>(null);

    public ValueTask RemoveKeptAsync(string connectionId, int spentGeneration, CancellationToken cancellationToken = default) =>
        inner is IKeptTokenStore beside ? beside.RemoveKeptAsync(connectionId, spentGeneration, cancellationToken) : ValueTask.CompletedTask;

    /// <summary>True, or throws what a locked database throws while <see cref="Down"/>.</summary>
    private bool Up() => !Down ? true : throw new TokenStoreException("database is locked (the store is down for this test)", isTransient: true);
}
