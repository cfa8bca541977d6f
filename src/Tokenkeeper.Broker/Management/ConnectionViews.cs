using Tokenkeeper.Connections;
using Tokenkeeper.Events;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Broker.Management;

/// <summary>A connection as the management API shows it: state, cause, deadlines and plan; fingerprints, never a token or secret.</summary>
internal sealed record ConnectionView(
    string Id,
    string Provider,
    ConnectionState State,
    string Reason,
    DateTime StateSince,
    FailureCause? LastFailureCause,
    string? LastError,
    int ConsecutiveFailures,
    DateTime? AccessTokenExpiresAt,
    DateTime? IdleDeadline,
    DateTime? AbsoluteDeadline,
    DateTime? NextKeepAlive,
    DateTime? LastRefresh,
    DateTime? NextAttemptAt)
{
    public static ConnectionView Of(ConnectionRecord record, ConnectionPlan plan) => new(
        record.ConnectionId,
        record.Registration.Provider,
        record.Status.State,
        record.Status.Reason,
        record.Status.Since.UtcDateTime,
        record.LastError is null ? null : record.LastFailureCause ?? FailureCauses.OfStateReason(record.Status.Reason),
        record.LastError,
        record.ConsecutiveFailures,
        plan.AccessTokenExpiresAt?.UtcDateTime,
        plan.IdleDeadline?.UtcDateTime,
        plan.AbsoluteDeadline?.UtcDateTime,
        plan.NextKeepAliveAt?.UtcDateTime,
        record.LastRefreshAt?.UtcDateTime,
        record.NextAttemptAt?.UtcDateTime);
}

/// <summary>What <c>GET /v1/connections/{id}</c> adds: the history and the recent events with their delivery.</summary>
internal sealed record ConnectionDetailView(ConnectionView Connection, IReadOnlyList<StateTransition> History, IReadOnlyList<EventView> RecentEvents);

/// <summary>An outbox event as the management API shows it.</summary>
internal sealed record EventView(string Id, string Type, DateTime OccurredAt, string? State, FailureCause? Cause, string? Reason, string? Detail, IReadOnlyDictionary<string, string> Data, IReadOnlyList<DeliveryState> Deliveries)
{
    public static EventView Of(OutboxEntry entry) => new(
        entry.Event.Id.ToString(),
        entry.Event.Type,
        entry.Event.OccurredAt.UtcDateTime,
        entry.Event.State,
        entry.Event.Cause,
        entry.Event.Reason,
        entry.Event.Detail,
        entry.Event.Data ?? new Dictionary<string, string>(),
        entry.Deliveries);
}
