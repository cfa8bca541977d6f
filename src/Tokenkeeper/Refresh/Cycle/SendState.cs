using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>One refresh's sending state, shared by the steps of one cycle: the record as last committed, the lease as last
/// renewed, and what is known about the requests already sent.</summary>
/// <param name="working">The record read under the lease.</param>
/// <param name="lease">The lease the cycle holds.</param>
/// <param name="firstSent">When the refresh token was first sent: now, or, when a refresh in doubt is sent again, when that
/// refresh sent it (a provider's grace window counts from there).</param>
internal sealed class SendState(ConnectionRecord working, HeldLease lease, DateTimeOffset firstSent)
{
    /// <summary>The record as last committed (each refresh intent is a commit).</summary>
    public ConnectionRecord Working { get; set; } = working;

    /// <summary>The lease the cycle holds.</summary>
    public HeldLease Lease { get; } = lease;

    /// <summary>When the refresh token was first sent.</summary>
    public DateTimeOffset FirstSent { get; } = firstSent;

    /// <summary>Whether a request already sent may have been processed without its answer reaching us.</summary>
    public bool InDoubt { get; set; }

    /// <summary>Requests sent so far.</summary>
    public int Attempts { get; set; }

    /// <summary>Until when the latest request may be at the provider (its send plus the request window).</summary>
    public DateTimeOffset InFlightUntil { get; set; }

    /// <summary>Whether the first request of this cycle sends again a refresh token whose earlier request had no known outcome.</summary>
    public bool Resending { get; init; }
}
