using Tokenkeeper.Diagnostics;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>A connection's refresh lease while this instance holds it: renewed to cover a request, released when disposed.</summary>
internal sealed class HeldLease(RefreshContext context, StoreLease lease) : IAsyncDisposable
{
    /// <summary>The lease as last taken or renewed (commits are fenced on it).</summary>
    public StoreLease Lease { get; private set; } = lease;

    /// <summary>Whether at least a request window of the lease is left.</summary>
    public bool CoversARequest => Lease.ExpiresAt - context.Now >= context.Timings.RequestWindow;

    /// <summary>Renews the lease when no more than a request window of it is left. False when it was lost: another instance took it.</summary>
    public async ValueTask<bool> KeepAsync(CancellationToken cancellationToken)
    {
        if (Lease.ExpiresAt - context.Now > context.Timings.RequestWindow)
        {
            return true;
        }

        var renewed = await context.Store.RenewLeaseAsync(Lease, context.Timings.LeaseSpan, cancellationToken).ConfigureAwait(false);
        if (renewed is null)
        {
            return false;
        }

        Lease = renewed;
        return true;
    }

    /// <summary>Gives the lease back. A failure only delays the next refresh elsewhere: the lease lapses on its own.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await context.Store.ReleaseLeaseAsync(Lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.CommitConflict(context.Logger, Lease.ConnectionId, "release failed: " + ex.GetType().Name, TokenFingerprint.None);
        }
    }
}
