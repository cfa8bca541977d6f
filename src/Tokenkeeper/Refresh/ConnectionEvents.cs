using System.Globalization;
using Tokenkeeper.Connections;
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
            Cause = IsUnhealthy(after.Status.State) ? CauseOf(after) : null,
            Reason = after.Status.Reason,
            Detail = after.Status.Detail,
            Data = new Dictionary<string, string> { ["from"] = from, ["to"] = to },
        };
    }

    /// <summary>The events of a change between two versions of a record: <c>state_changed</c> when the state changed, and
    /// <c>recovered</c> when it came back to <c>Active</c> from <c>Degraded</c> or <c>ReconnectRequired</c>.</summary>
    public static List<ConnectionEvent> Transition(ConnectionRecord before, ConnectionRecord after, DateTimeOffset at)
    {
        var events = new List<ConnectionEvent>(2);
        if (StateChanged(before, after, at) is { } changed)
        {
            events.Add(changed);
        }

        if (Recovered(before, after, at) is { } recovered)
        {
            events.Add(recovered);
        }

        return events;
    }

    /// <summary>
    /// The <c>recovered</c> event, when <paramref name="after"/> is <c>Active</c> again after <paramref name="before"/> was
    /// <c>Degraded</c> or <c>ReconnectRequired</c> (so the alert that paged someone can close itself): the state it came from, since
    /// when it was unhealthy (the start of the whole stretch, through <c>Degraded</c> and then <c>ReconnectRequired</c>), for how
    /// many seconds, and the cause of the failure it recovered from. Null for any other change.
    /// </summary>
    public static ConnectionEvent? Recovered(ConnectionRecord before, ConnectionRecord after, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (after.Status.State != ConnectionState.Active || !IsUnhealthy(before.Status.State))
        {
            return null;
        }

        var since = UnhealthySince(before);
        var seconds = Math.Max(0, (long)(at - since).TotalSeconds);
        var data = new Dictionary<string, string>
        {
            ["from"] = before.Status.State.ToString(),
            ["from_reason"] = before.Status.Reason,
            ["unhealthy_since"] = since.ToString("O", CultureInfo.InvariantCulture),
            ["unhealthy_for_seconds"] = seconds.ToString(CultureInfo.InvariantCulture),
        };
        if (before.ConsecutiveFailures > 0)
        {
            data["failed_attempts"] = before.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture);
        }

        return new ConnectionEvent
        {
            ConnectionId = after.ConnectionId,
            Type = ConnectionEventTypes.Recovered,
            OccurredAt = at,
            State = after.Status.State.ToString(),
            Cause = CauseOf(before),
            Reason = after.Status.Reason,
            Detail = string.Create(CultureInfo.InvariantCulture, $"Active again ({after.Status.Reason}) after {seconds} s {(before.Status.State == ConnectionState.Degraded ? "degraded" : "needing re-authorisation")} ({before.Status.Reason})"),
            Data = data,
        };
    }

    /// <summary>When the unhealthy stretch that <paramref name="record"/> is in began: walking its history back through
    /// <c>Degraded</c> and <c>ReconnectRequired</c> to the change that left a healthy state.</summary>
    public static DateTimeOffset UnhealthySince(ConnectionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var start = record.Status.Since;
        for (var i = record.History.Count - 1; i >= 0; i--)
        {
            var change = record.History[i];
            if (change.At > start)
            {
                continue;
            }

            if (!IsUnhealthy(change.To))
            {
                break;
            }

            start = change.At;
            if (!IsUnhealthy(change.From))
            {
                break;
            }
        }

        return start;
    }

    /// <summary>The cause of a record's failure: the one recorded with its last error, else the one its state's reason stands for.</summary>
    public static FailureCause? CauseOf(ConnectionRecord record) => record.LastFailureCause ?? FailureCauses.OfStateReason(record.Status.Reason);

    private static bool IsUnhealthy(ConnectionState state) => state is ConnectionState.Degraded or ConnectionState.ReconnectRequired;

    /// <summary>The <c>reconnect_required</c> alert: the connection needs a person, for <paramref name="reason"/>.</summary>
    public static ConnectionEvent ReconnectRequired(string connectionId, string reason, string? detail, DateTimeOffset at) => new()
    {
        ConnectionId = connectionId,
        Type = ConnectionEventTypes.ReconnectRequired,
        OccurredAt = at,
        State = nameof(ConnectionState.ReconnectRequired),
        Cause = FailureCauses.OfStateReason(reason) ?? FailureCause.Credential,
        Reason = reason,
        Detail = detail,
    };
}
