using Tokenkeeper.Storage;
using Tokenkeeper.Events;

namespace Tokenkeeper.Refresh;

/// <summary>Builds the events every part of Tokenkeeper emits the same way.</summary>
internal static class ConnectionEvents
{
    /// <summary>The <c>state_changed</c> event between two versions of a record (<paramref name="before"/> null: the connection
    /// was just created), or null when the state did not change.</summary>
    public static ConnectionEvent? StateChanged(ConnectionRecord? before, ConnectionRecord after, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(after);
        if (before is not null && before.Status.State == after.Status.State)
        {
            return null;
        }

        var from = before?.Status.State.ToString() ?? "none";
        var to = after.Status.State.ToString();
        return new ConnectionEvent
        {
            ConnectionId = after.ConnectionId,
            Type = ConnectionEventTypes.StateChanged,
            OccurredAt = at,
            State = to,
            Reason = after.Status.Reason,
            Detail = after.Status.Detail,
            Data = new Dictionary<string, string> { ["from"] = from, ["to"] = to },
        };
    }

    /// <summary>The <c>reconnect_required</c> alert: the connection needs a person, for <paramref name="reason"/>.</summary>
    public static ConnectionEvent ReconnectRequired(string connectionId, string reason, string? detail, DateTimeOffset at) => new()
    {
        ConnectionId = connectionId,
        Type = ConnectionEventTypes.ReconnectRequired,
        OccurredAt = at,
        State = nameof(Connections.ConnectionState.ReconnectRequired),
        Reason = reason,
        Detail = detail,
    };
}
