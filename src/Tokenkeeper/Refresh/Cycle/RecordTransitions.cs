using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// How a refresh changes a connection's record, as pure functions: the new tokens of a success, a salvaged refresh token, a
/// transient failure with its back-off, a permanent failure. Each applies to any record (the one read under the lease, or a newer
/// one a compare-and-swap conflict brought in), so a merge re-applies the same change.
/// </summary>
internal static class RecordTransitions
{
    /// <summary>The tokens to store from an answer: a response that kept the refresh token and stated no new deadline keeps the
    /// old deadline.</summary>
    public static TokenSet TokensToStore(TokenSet issued, RefreshToken? spent, ConnectionRecord working) =>
        issued.RefreshToken == spent && issued.RefreshTokenExpiresAt is null && working.Tokens?.RefreshTokenExpiresAt is { } known
            ? issued with { RefreshTokenExpiresAt = known }
            : issued;

    /// <summary>A successful refresh: the tokens, the intent cleared, failures forgotten, the generation counted on when the
    /// refresh token rotated; a connection that was failing becomes <see cref="ConnectionState.Active"/> (a disabled one stays so).</summary>
    public static ConnectionRecord Refreshed(ConnectionRecord record, TokenSet tokens, int spentGeneration, bool rotated, DateTimeOffset now)
    {
        var next = record with
        {
            Tokens = tokens,
            PendingRefresh = null,
            LastAttemptAt = now,
            LastRefreshAt = now,
            ConsecutiveFailures = 0,
            LastError = null,
            LastFailureCause = null,
            NextAttemptAt = null,
            RefreshTokenGeneration = rotated ? spentGeneration + 1 : spentGeneration,
        };
        return next.Status.State is ConnectionState.Active or ConnectionState.Disabled ? next : next.WithStatus(ConnectionState.Active, StateReasons.Refreshed, now);
    }

    /// <summary>A refresh token salvaged from an unusable answer: a new generation, the intent cleared (nothing is in doubt any
    /// more), the refresh token's idle clock restarted; the access token stays as it was.</summary>
    public static ConnectionRecord Salvaged(ConnectionRecord record, RefreshToken rotated, DateTimeOffset now) => record with
    {
        Tokens = (record.Tokens ?? TokenSets.FromRefreshToken(rotated, now)) with { RefreshToken = rotated },
        RefreshTokenGeneration = record.RefreshTokenGeneration + 1,
        PendingRefresh = null,
        LastRefreshAt = now,
    };

    /// <summary>A failed cycle that may pass: one more failure, the next attempt after the back-off (see
    /// <see cref="RefreshTimings.NextAttemptWait"/>), the intent kept and marked as a lost answer when <paramref name="keepInDoubt"/>
    /// (else cleared), and an <see cref="ConnectionState.Active"/> connection <see cref="ConnectionState.Degraded"/>.</summary>
    public static ConnectionRecord FailedTransiently(ConnectionRecord record, TokenEndpointFailure failure, bool keepInDoubt, RefreshTimings timings, ProviderProfile profile, DateTimeOffset? notBefore, DateTimeOffset now)
    {
        var failures = record.ConsecutiveFailures + 1;
        var doubt = keepInDoubt ? record.PendingRefresh : null;
        var wait = timings.NextAttemptWait(failures, failure.RetryAfter, doubt?.StartedAt, profile, notBefore, now);
        var next = record with
        {
            LastAttemptAt = now,
            ConsecutiveFailures = failures,
            LastError = failure.Message,
            LastFailureCause = FailureCauses.Of(failure),
            NextAttemptAt = now + wait,
            PendingRefresh = doubt is null ? null : doubt with { ResponseLost = true },
        };
        return next.Status.State == ConnectionState.Active || IsMisconfigured(next.Status)
            ? next.WithStatus(ConnectionState.Degraded, StateReasons.RefreshFailing, now, failure.Message)
            : next;
    }

    /// <summary>A client or request the provider rejected (a configuration fault, not a dead grant):
    /// <see cref="ConnectionState.Degraded"/> with its reason, and nothing sent with the same configuration until
    /// <paramref name="until"/>. The intent is kept when <paramref name="keepIntent"/> (an earlier request's answer is still in doubt:
    /// this rejection says nothing about it), else cleared; a disabled connection stays disabled and keeps the verdict.</summary>
    public static ConnectionRecord Misconfigured(ConnectionRecord record, string reason, string? detail, bool keepIntent, DateTimeOffset until, DateTimeOffset now)
    {
        var failed = record with
        {
            PendingRefresh = keepIntent ? record.PendingRefresh : null,
            LastAttemptAt = now,
            LastError = detail,
            LastFailureCause = FailureCause.ClientConfiguration,
            ConsecutiveFailures = record.ConsecutiveFailures + 1,
            NextAttemptAt = until,
        };
        return record.Status.State == ConnectionState.Disabled
            ? failed with { StatusBeforeDisabled = new ConnectionStatus(ConnectionState.Degraded, reason, now, detail) }
            : failed.WithStatus(ConnectionState.Degraded, reason, now, detail);
    }

    /// <summary>Whether <paramref name="status"/> is a configuration fault the provider reported (<see cref="Misconfigured"/>).</summary>
    public static bool IsMisconfigured(ConnectionStatus? status) =>
        status is { State: ConnectionState.Degraded, Reason: StateReasons.InvalidClient or StateReasons.ConfigurationError };

    /// <summary>Whether <paramref name="status"/> is a configuration fault, as today's versions record it or as versions before 0.13
    /// did (<see cref="ConnectionState.ReconnectRequired"/> with a client or configuration reason).</summary>
    public static bool IsConfigurationFault(ConnectionStatus? status) =>
        status is { State: ConnectionState.Degraded or ConnectionState.ReconnectRequired, Reason: StateReasons.InvalidClient or StateReasons.ConfigurationError };

    /// <summary>A failed cycle that needs a person: <see cref="ConnectionState.ReconnectRequired"/> with its reason, the intent
    /// cleared; a disabled connection stays disabled and keeps the verdict for when it is enabled.</summary>
    public static ConnectionRecord FailedPermanently(ConnectionRecord record, string reason, string? detail, DateTimeOffset now)
    {
        var failed = record with
        {
            PendingRefresh = null,
            LastAttemptAt = now,
            LastError = detail,
            LastFailureCause = FailureCauses.OfStateReason(reason) ?? FailureCause.Credential,
            ConsecutiveFailures = record.ConsecutiveFailures + 1,
        };
        return record.Status.State == ConnectionState.Disabled
            ? failed with { StatusBeforeDisabled = new ConnectionStatus(ConnectionState.ReconnectRequired, reason, now, detail) }
            : failed.WithStatus(ConnectionState.ReconnectRequired, reason, now, detail);
    }

    /// <summary>Whether <paramref name="record"/> still holds <paramref name="refreshToken"/> at <paramref name="generation"/>: nobody
    /// has stored another grant or rotation since.</summary>
    public static bool StillHolds(ConnectionRecord record, int generation, RefreshToken? refreshToken) =>
        record.RefreshTokenGeneration == generation && record.Tokens?.RefreshToken == refreshToken;
}
