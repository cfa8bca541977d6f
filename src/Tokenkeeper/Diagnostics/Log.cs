using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Diagnostics;

/// <summary>Tokenkeeper's log events. Every token appears as a fingerprint (see <see cref="TokenFingerprint"/>), never in clear.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId}: refresh started ({Trigger}); current access token {AccessFingerprint}")]
    public static partial void RefreshStarted(ILogger logger, string connectionId, string trigger, string accessFingerprint);

    [LoggerMessage(2, LogLevel.Information, "Connection {ConnectionId}: refreshed ({Trigger}); access token {AccessFingerprint} valid {LifetimeSeconds:0} s; refresh token {RefreshFingerprint}{RotationNote}")]
    public static partial void Refreshed(ILogger logger, string connectionId, string trigger, string accessFingerprint, double lifetimeSeconds, string refreshFingerprint, string rotationNote);

    [LoggerMessage(3, LogLevel.Warning, "Connection {ConnectionId}: token request attempt {Attempt} failed: {Failure}")]
    public static partial void AttemptFailed(ILogger logger, string connectionId, int attempt, string failure);

    [LoggerMessage(4, LogLevel.Information, "Connection {ConnectionId}: adopted access token {AccessFingerprint} committed by another instance (version {Version})")]
    public static partial void Adopted(ILogger logger, string connectionId, string accessFingerprint, long version);

    [LoggerMessage(5, LogLevel.Error, "Connection {ConnectionId}: needs re-authorisation ({Reason}): {Detail}")]
    private static partial void ReconnectRequiredCore(ILogger logger, string connectionId, string reason, string detail);

    public static void ReconnectRequired(ILogger logger, string connectionId, string reason, string? detail) =>
        ReconnectRequiredCore(logger, connectionId, reason, detail ?? "the provider gave no detail");

    [LoggerMessage(6, LogLevel.Warning, "Connection {ConnectionId}: refresh failed ({Failure}); {ConsecutiveFailures} in a row; next attempt not before {NextAttemptAt:O} (cause: {Cause})")]
    public static partial void RefreshFailed(ILogger logger, string connectionId, string failure, int consecutiveFailures, DateTimeOffset nextAttemptAt, string cause);

    [LoggerMessage(7, LogLevel.Error, "Connection {ConnectionId}: commit refused ({Conflict}) after refreshing to {AccessFingerprint}")]
    public static partial void CommitConflict(ILogger logger, string connectionId, string conflict, string accessFingerprint);

    [LoggerMessage(8, LogLevel.Information, "Connection {ConnectionId}: request {Method} {Path} was rejected with token {RejectedFingerprint}; replaying with {CurrentFingerprint}")]
    public static partial void Replaying(ILogger logger, string connectionId, string method, string path, string rejectedFingerprint, string currentFingerprint);

    [LoggerMessage(9, LogLevel.Warning, "Connection {ConnectionId}: request {Method} {Path} was rejected again after a replay with token {Fingerprint}")]
    public static partial void RejectedAfterReplay(ILogger logger, string connectionId, string method, string path, string fingerprint);

    [LoggerMessage(10, LogLevel.Warning, "Connection {ConnectionId}: refresh of generation {Generation} (refresh token {RefreshFingerprint}) is in doubt: an earlier request with it has no known outcome (its answer was lost, or the process that sent it died)")]
    public static partial void InDoubt(ILogger logger, string connectionId, int generation, string refreshFingerprint);

    [LoggerMessage(11, LogLevel.Information, "Connection {ConnectionId}: the store already holds refresh token {StoredFingerprint}; the configured bootstrap refresh token is ignored")]
    public static partial void BootstrapIgnored(ILogger logger, string connectionId, string storedFingerprint);

    [LoggerMessage(12, LogLevel.Warning, "Connection {ConnectionId}: the provider stated no usable lifetime; assuming expiry from {Source} ({LifetimeSeconds:0} s)")]
    public static partial void ExpiryAssumed(ILogger logger, string connectionId, string source, double lifetimeSeconds);

    [LoggerMessage(13, LogLevel.Debug, "Connection {ConnectionId}: retrying {Method} {Path} after HTTP {Status} in {DelayMs:0} ms")]
    public static partial void HttpRetry(ILogger logger, string connectionId, string method, string path, int status, double delayMs);

    [LoggerMessage(14, LogLevel.Warning, "Connection {ConnectionId}: request {Method} {Path} was rejected but its body cannot be replayed; returning the rejection")]
    public static partial void NotReplayable(ILogger logger, string connectionId, string method, string path);

    [LoggerMessage(15, LogLevel.Information, "Connection {ConnectionId}: authorised; access token {AccessFingerprint}, refresh token {RefreshFingerprint}")]
    public static partial void Authorized(ILogger logger, string connectionId, string accessFingerprint, string refreshFingerprint);

    [LoggerMessage(16, LogLevel.Warning, "Connection {ConnectionId}: the refresh lease holder {Owner} is a process of this machine that no longer exists; taking the lease over")]
    public static partial void LeaseTakenOver(ILogger logger, string connectionId, string owner);

    /// <summary>An event, logged when the log sink delivers it: <paramref name="summary"/> says
    /// what happened and when, so an old event delivered late is never read as a new one.</summary>
    [LoggerMessage(17, LogLevel.Information, "Connection {ConnectionId}: {EventType}: {Summary}")]
    public static partial void EventDelivered(ILogger logger, string connectionId, string eventType, string summary);

    [LoggerMessage(18, LogLevel.Error, "Connection {ConnectionId}: {EventType}: {Summary}; reconnect: {ReconnectUrl}")]
    public static partial void EventDeliveredError(ILogger logger, string connectionId, string eventType, string summary, string reconnectUrl);

    [LoggerMessage(19, LogLevel.Warning, "Webhook {Webhook}: delivering {EventType} of connection {ConnectionId} failed (attempt {Attempt}: {Failure}); retrying at {RetryAt:O}")]
    public static partial void WebhookFailed(ILogger logger, string webhook, string connectionId, string eventType, int attempt, string failure, DateTimeOffset retryAt);

    [LoggerMessage(20, LogLevel.Error, "Webhook {Webhook}: gave up delivering {EventType} of connection {ConnectionId} after {Attempt} attempts ({Failure}); dead-lettered")]
    public static partial void WebhookDeadLettered(ILogger logger, string webhook, string connectionId, string eventType, int attempt, string failure);

    [LoggerMessage(21, LogLevel.Information, "Connection {ConnectionId}: lifecycle {Action}: {Detail}")]
    public static partial void LifecycleAction(ILogger logger, string connectionId, string action, string detail);

    [LoggerMessage(22, LogLevel.Warning, "Connection {ConnectionId}: the token endpoint rotated refresh token {Spent} to {Kept} in an otherwise unusable answer; the new one was kept (committed: {Committed})")]
    public static partial void RotatedRefreshTokenKept(ILogger logger, string connectionId, string spent, string kept, bool committed);

    [LoggerMessage(23, LogLevel.Warning, "Connection {ConnectionId}: refresh in doubt: {Verdict}, because {Why}")]
    public static partial void InDoubtDecision(ILogger logger, string connectionId, string verdict, string why);

    [LoggerMessage(24, LogLevel.Warning, "Connection {ConnectionId}: tokens the store would not take (refresh token {RefreshFingerprint}, replacing generation {Generation}) are kept beside the store until it takes them")]
    public static partial void TokensKept(ILogger logger, string connectionId, string refreshFingerprint, int generation);

    [LoggerMessage(25, LogLevel.Critical, "Connection {ConnectionId}: tokens the store would not take (refresh token {RefreshFingerprint}) could not be kept beside it: {Problem}. They live only in this process's memory until the store takes them")]
    public static partial void TokensNotKept(ILogger logger, string connectionId, string refreshFingerprint, string problem);

    [LoggerMessage(26, LogLevel.Warning, "Connection {ConnectionId}: taking over tokens {KeptBy} kept beside the store at {KeptAt:O} (refresh token {RefreshFingerprint}); they are stored before any refresh")]
    public static partial void KeptTokensAdopted(ILogger logger, string connectionId, string keptBy, DateTimeOffset keptAt, string refreshFingerprint);

    [LoggerMessage(27, LogLevel.Information, "Stopping: waiting for {Count} token request(s) in flight to answer and be committed, so no rotated refresh token is lost")]
    public static partial void StoppingWithRefreshesInFlight(ILogger logger, int count);

    [LoggerMessage(28, LogLevel.Warning, "The host's shutdown deadline passed while {Count} token request(s) were still in flight; still waiting for them (their refresh tokens may have been rotated). Raise HostOptions.ShutdownTimeout above the token request timeout plus the store retry window")]
    public static partial void StopOutlastsHost(ILogger logger, int count);

    [LoggerMessage(29, LogLevel.Warning, "Connection {ConnectionId}: tokens the store would not take (refresh token {RefreshFingerprint}) were not stored before stopping ({Problem}); they stay kept beside the store for the next process")]
    public static partial void KeptNotStoredAtStop(ILogger logger, string connectionId, string refreshFingerprint, string problem);

    [LoggerMessage(30, LogLevel.Error, "Connection {ConnectionId}: the provider rejected client {ClientId} ({Reason}): {Detail}. A configuration fault: the refresh token was not spent and no re-authorisation is needed; correct the client configuration")]
    private static partial void ClientMisconfiguredCore(ILogger logger, string connectionId, string clientId, string reason, string detail);

    public static void ClientMisconfigured(ILogger logger, string connectionId, string clientId, string reason, string? detail) =>
        ClientMisconfiguredCore(logger, connectionId, clientId, reason, detail ?? "no detail given");
}
