namespace Tokenkeeper.Events;

/// <summary>The event types a connection emits.</summary>
public static class ConnectionEventTypes
{
    /// <summary>A refresh succeeded and was committed.</summary>
    public const string Refreshed = "refreshed";

    /// <summary>A refresh cycle failed (after its retries).</summary>
    public const string RefreshFailed = "refresh_failed";

    /// <summary>The connection's state changed.</summary>
    public const string StateChanged = "state_changed";

    /// <summary>The connection is <c>Active</c> again after it was <c>Degraded</c> or <c>ReconnectRequired</c>: with the state it came
    /// from and <c>unhealthy_for_seconds</c>, so the alert that paged someone can close itself.</summary>
    public const string Recovered = "recovered";

    /// <summary>The refresh token's absolute deadline is near.</summary>
    public const string ExpiryWarning = "expiry_warning";

    /// <summary>The connection needs re-authorisation.</summary>
    public const string ReconnectRequired = "reconnect_required";

    /// <summary>Three refresh cycles in a row failed (<see cref="Lifecycle.LifecycleConstants.RepeatedFailureAlertThreshold"/>).</summary>
    public const string RepeatedFailures = "repeated_failures";

    /// <summary>Resource servers keep rejecting freshly refreshed tokens.</summary>
    public const string AuthLoop = "auth_loop";
}
