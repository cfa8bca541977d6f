using Tokenkeeper.Connections;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Storage;

/// <summary>
/// Everything the store holds for one connection: the single source of truth for its tokens and state
/// (DESIGN.md contract 1). Immutable; a change is a new record committed with compare-and-swap on <see cref="Version"/>.
/// <para>It carries secrets in clear (the refresh token in <see cref="Tokens"/>, the client secret in the registration): it is
/// the store's type, for store implementers and operators' tools, and must never be logged or handed to a job.</para>
/// </summary>
public sealed record ConnectionRecord
{
    /// <summary>The connection's id, unique in the store.</summary>
    public required string ConnectionId { get; init; }

    /// <summary>The store's version of this record: 1 when created, one more on each commit.</summary>
    public long Version { get; init; }

    /// <summary>How to reach the provider.</summary>
    public required ConnectionRegistration Registration { get; init; }

    /// <summary>The current tokens, if any.</summary>
    public TokenSet? Tokens { get; init; }

    /// <summary>The connection's state.</summary>
    public required ConnectionStatus Status { get; init; }

    /// <summary>When the record was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the grant was authorised (or last re-authorised): absolute refresh-token deadlines count from here.</summary>
    public DateTimeOffset? AuthorizedAt { get; init; }

    /// <summary>When a refresh last succeeded. For refresh-token grants this is also the refresh token's last use (its idle clock).</summary>
    public DateTimeOffset? LastRefreshAt { get; init; }

    /// <summary>When a refresh was last attempted.</summary>
    public DateTimeOffset? LastAttemptAt { get; init; }

    /// <summary>Refresh cycles that failed in a row (a cycle is one refresh with its retries).</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>The last failure, as a sentence safe to show.</summary>
    public string? LastError { get; init; }

    /// <summary>Whose problem <see cref="LastError"/> was (see <see cref="FailureCause"/>); null when there is no last error, and in
    /// records written before causes were recorded.</summary>
    public FailureCause? LastFailureCause { get; init; }

    /// <summary>While set and in the future, no refresh is attempted (cooldown after repeated failures, or a long <c>Retry-After</c>).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>Counts refresh-token changes: one more each time a refresh returns a new refresh token or the connection is re-authorised.</summary>
    public int RefreshTokenGeneration { get; init; }

    /// <summary>A refresh whose outcome is not yet known (DESIGN.md contract 6).</summary>
    public RefreshIntent? PendingRefresh { get; init; }

    /// <summary>SHA-256 (hex) of the last bootstrap refresh token applied to this connection. A one-way hash, never the token:
    /// it lets a rerun recognise a configured token that was already spent, so a dead grant is not "revived" with it.</summary>
    public string? BootstrapHash { get; init; }

    /// <summary>SHA-256 (hex) of the last bootstrap refresh token that was offered while the store held a live one and was
    /// reported as ignored: the same token offered again is ignored without saying so again (once per connection per store).</summary>
    public string? IgnoredBootstrapHash { get; init; }

    /// <summary>The absolute refresh-token deadline that <see cref="ExpiryWarningsSent"/> refer to.</summary>
    public DateTimeOffset? WarnedDeadline { get; init; }

    /// <summary>The warning thresholds (days before <see cref="WarnedDeadline"/>) already announced, so each is sent once.</summary>
    public IReadOnlyList<int> ExpiryWarningsSent { get; init => field = value ?? []; } = [];

    /// <summary>
    /// While <see cref="ConnectionState.Disabled"/>: the <see cref="ConnectionState.ReconnectRequired"/> status the connection was
    /// disabled from, so enabling it does not pretend a dead grant is alive. Cleared when the connection is re-authorised (or, for
    /// a client or configuration error, reconfigured) and when it is enabled.
    /// </summary>
    public ConnectionStatus? StatusBeforeDisabled { get; init; }

    /// <summary>The most recent state changes, newest last; at most <see cref="StorageConstants.MaxHistory"/>.</summary>
    public IReadOnlyList<StateTransition> History { get; init => field = value ?? []; } = [];

    /// <summary>Returns a copy in <paramref name="state"/>, with the change appended to the history (when the state changes).</summary>
    /// <exception cref="InvalidOperationException">The state machine does not allow the transition (see <see cref="Connections.ConnectionStateMachine"/>).</exception>
    public ConnectionRecord WithStatus(ConnectionState state, string reason, DateTimeOffset at, string? detail = null)
    {
        if (!Connections.ConnectionStateMachine.IsAllowed(Status.State, state))
        {
            throw new InvalidOperationException($"Connection '{ConnectionId}' cannot go from {Status.State} to {state}.");
        }

        if (Status.State == state)
        {
            return Status.Reason == reason && Status.Detail == detail ? this : this with { Status = Status with { Reason = reason, Detail = detail } };
        }

        var history = History.Count >= StorageConstants.MaxHistory ? History.Skip(History.Count - StorageConstants.MaxHistory + 1) : History;
        return this with
        {
            Status = new ConnectionStatus(state, reason, at, detail),
            History = [.. history, new StateTransition(at, Status.State, state, reason, detail)],
        };
    }
}
