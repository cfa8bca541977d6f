using System.Globalization;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Lifecycle;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;
using Tokenkeeper.Events;

namespace Tokenkeeper.Refresh;

/// <summary>The events a refresh writes to the outbox with its commit, as pure functions (no token, fingerprints only).</summary>
internal static class RefreshEvents
{
    /// <summary><c>refreshed</c>, and a state change when the refresh changed the state.</summary>
    public static List<ConnectionEvent> Refreshed(ConnectionRecord before, ConnectionRecord after, TokenSet tokens, RefreshTrigger trigger, bool rotated, bool recoveredInDoubt, DateTimeOffset now)
    {
        var events = new List<ConnectionEvent>
        {
            new()
            {
                ConnectionId = after.ConnectionId,
                Type = ConnectionEventTypes.Refreshed,
                OccurredAt = now,
                State = after.Status.State.ToString(),
                Reason = TagValue.Of(trigger),
                Data = new Dictionary<string, string>
                {
                    ["access_token"] = tokens.AccessToken.Fingerprint,
                    ["refresh_token"] = tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None,
                    ["rotated"] = rotated ? "true" : "false",
                    ["expires_at"] = tokens.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                    ["expiry_source"] = TagValue.Of(tokens.ExpirySource),
                    ["recovered_in_doubt"] = recoveredInDoubt ? "true" : "false",
                },
            },
        };
        AddStateChange(events, before, after, now);
        return events;
    }

    /// <summary><c>refresh_failed</c>, a state change when there was one, and <c>repeated_failures</c> at the threshold.</summary>
    public static List<ConnectionEvent> FailedTransiently(ConnectionRecord before, ConnectionRecord after, TokenEndpointFailure failure, DateTimeOffset now)
    {
        var events = new List<ConnectionEvent>
        {
            new()
            {
                ConnectionId = after.ConnectionId,
                Type = ConnectionEventTypes.RefreshFailed,
                OccurredAt = now,
                State = after.Status.State.ToString(),
                Cause = FailureCauses.Of(failure),
                Reason = TagValue.Of(failure.Kind),
                Detail = failure.Message,
                Data = new Dictionary<string, string>
                {
                    ["consecutive_failures"] = after.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture),
                    ["next_attempt_at"] = after.NextAttemptAt!.Value.ToString("O", CultureInfo.InvariantCulture),
                },
            },
        };
        AddStateChange(events, before, after, now);
        AddRepeatedFailureAlert(events, after, failure, now);
        return events;
    }

    /// <summary>The state change and <c>reconnect_required</c> alert, when the connection now needs a person (a disabled one waits
    /// until it is enabled: no events).</summary>
    public static List<ConnectionEvent> FailedPermanently(ConnectionRecord before, ConnectionRecord after, string reason, string? detail, DateTimeOffset now)
    {
        var events = new List<ConnectionEvent>();
        if (after.Status.State == ConnectionState.ReconnectRequired)
        {
            AddStateChange(events, before, after, now);
            events.Add(ConnectionEvents.ReconnectRequired(after.ConnectionId, reason, detail, now));
        }

        return events;
    }

    /// <summary><c>refresh_failed</c> naming the configuration fault (with when the same configuration is tried again), and the
    /// state change; a disabled connection waits until it is enabled: no events.</summary>
    public static List<ConnectionEvent> Misconfigured(ConnectionRecord before, ConnectionRecord after, string reason, string? detail, TokenEndpointFailure failure, DateTimeOffset now)
    {
        var events = new List<ConnectionEvent>();
        if (after.Status.State == ConnectionState.Disabled)
        {
            return events;
        }

        events.Add(new ConnectionEvent
        {
            ConnectionId = after.ConnectionId,
            Type = ConnectionEventTypes.RefreshFailed,
            OccurredAt = now,
            State = after.Status.State.ToString(),
            Cause = FailureCause.ClientConfiguration,
            Reason = reason,
            Detail = detail,
            Data = new Dictionary<string, string>
            {
                ["client_id"] = after.Registration.ClientId,
                ["consecutive_failures"] = after.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture),
                ["next_attempt_at"] = after.NextAttemptAt!.Value.ToString("O", CultureInfo.InvariantCulture),
                ["reauthorisation_needed"] = "false",
            },
        });
        AddStateChange(events, before, after, now);
        AddRepeatedFailureAlert(events, after, failure, now);
        return events;
    }

    /// <summary>Events re-derived for a change merged onto a newer record: the state change, recovery (and threshold alert) are the newer
    /// record's, the rest as first built.</summary>
    public static List<ConnectionEvent> Merged(IReadOnlyList<ConnectionEvent> events, ConnectionRecord latest, ConnectionRecord merged, DateTimeOffset now, TokenEndpointFailure? failure = null)
    {
        var result = events.Where(e => e.Type is not (ConnectionEventTypes.StateChanged or ConnectionEventTypes.Recovered or ConnectionEventTypes.RepeatedFailures)).ToList();
        AddStateChange(result, latest, merged, now);
        if (failure is not null)
        {
            AddRepeatedFailureAlert(result, merged, failure, now);
        }

        return result;
    }

    private static void AddStateChange(List<ConnectionEvent> events, ConnectionRecord before, ConnectionRecord after, DateTimeOffset now)
    {
        events.AddRange(ConnectionEvents.Transition(before, after, now));
    }

    private static void AddRepeatedFailureAlert(List<ConnectionEvent> events, ConnectionRecord next, TokenEndpointFailure failure, DateTimeOffset now)
    {
        if (next.ConsecutiveFailures == LifecycleConstants.RepeatedFailureAlertThreshold)
        {
            events.Add(new ConnectionEvent
            {
                ConnectionId = next.ConnectionId,
                Type = ConnectionEventTypes.RepeatedFailures,
                OccurredAt = now,
                State = next.Status.State.ToString(),
                Cause = FailureCauses.Of(failure),
                Reason = TagValue.Of(failure.Kind),
                Detail = $"{next.ConsecutiveFailures} refresh attempts in a row failed; the last: {failure.Message}",
                Data = new Dictionary<string, string> { ["consecutive_failures"] = next.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture) },
            });
        }
    }
}
