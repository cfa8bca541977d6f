using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>What registering a connection decides about a bootstrap refresh token the store may already have moved past.</summary>
internal enum BootstrapVerdict
{
    /// <summary>The store holds this very token: nothing to do.</summary>
    AlreadyHeld,

    /// <summary>The store holds a live (possibly rotated) refresh token: it wins over the configured one.</summary>
    StoredWins,

    /// <summary>The grant this very token started is dead: applying it again cannot bring it back.</summary>
    Spent,

    /// <summary>The stored grant is dead (or there is none) and this is a new token: it re-authorises the connection.</summary>
    Reauthorize,
}

/// <summary>
/// The registration and bootstrap rules, as pure functions: the record a new connection starts with, what a changed registration
/// does to a stored one, whether a bootstrap refresh token replaces the stored grant, and what an authorisation resets.
/// </summary>
internal static class RegistrationRules
{
    /// <summary>The record a connection starts with: <see cref="ConnectionState.Active"/> with its bootstrap refresh token (or for a
    /// grant that needs none), else <see cref="ConnectionState.PendingAuthorization"/>.</summary>
    public static ConnectionRecord Initial(ConnectionDefinition definition, DateTimeOffset now)
    {
        var registration = definition.Registration;
        var bootstrap = definition.BootstrapRefreshToken;
        var authorized = bootstrap is not null || registration.Grant != OAuthGrantType.RefreshToken;
        return new ConnectionRecord
        {
            ConnectionId = definition.ConnectionId,
            Registration = registration,
            Tokens = bootstrap is { } token ? TokenSets.FromRefreshToken(token, now, registration.Scope) : null,
            Status = authorized
                ? new ConnectionStatus(ConnectionState.Active, StateReasons.Authorized, now)
                : new ConnectionStatus(ConnectionState.PendingAuthorization, StateReasons.NotAuthorized, now),
            CreatedAt = now,
            AuthorizedAt = authorized ? definition.AuthorizedAt ?? now : null,
            RefreshTokenGeneration = bootstrap is null ? 0 : 1,
            BootstrapHash = bootstrap is { } applied ? applied.Sha256Hex() : null,
        };
    }

    /// <summary>A stored record with a changed registration, or the same instance when nothing changed. A client or configuration
    /// error is about the registration: a changed registration is the fix, so the connection gets another chance with the tokens
    /// it has (the grant itself was never refused).</summary>
    public static ConnectionRecord Reconfigured(ConnectionRecord record, ConnectionRegistration registration, DateTimeOffset now)
    {
        if (record.Registration.SameAs(registration))
        {
            return record;
        }

        var next = record with { Registration = registration, NextAttemptAt = null };

        // Degraded is what a client or configuration fault leaves today; ReconnectRequired is what stores written before 0.13 hold.
        next = next.Status is { State: ConnectionState.Degraded or ConnectionState.ReconnectRequired, Reason: StateReasons.InvalidClient or StateReasons.ConfigurationError }
            ? next.WithStatus(ConnectionState.Active, StateReasons.Reconfigured, now)
            : next;
        return next.StatusBeforeDisabled is { Reason: StateReasons.InvalidClient or StateReasons.ConfigurationError }
            ? next with { StatusBeforeDisabled = null }
            : next;
    }

    /// <summary>Whether the bootstrap refresh token <paramref name="offered"/> replaces the grant <paramref name="record"/> holds.</summary>
    public static BootstrapVerdict JudgeBootstrap(ConnectionRecord record, RefreshToken offered) =>
        record.Tokens?.RefreshToken == offered ? BootstrapVerdict.AlreadyHeld
        : !GrantIsDead(record) ? BootstrapVerdict.StoredWins
        : record.Tokens?.RefreshToken is not null && record.BootstrapHash == offered.Sha256Hex() ? BootstrapVerdict.Spent
        : BootstrapVerdict.Reauthorize;

    /// <summary>Whether the stored grant can no longer be used and a new refresh token may replace it: never authorised, or the
    /// provider refused the grant itself (revoked, expired, lost in flight), now or before the connection was disabled. Client and
    /// configuration errors are not that.</summary>
    public static bool GrantIsDead(ConnectionRecord record) =>
        record.Tokens?.RefreshToken is null
        || record.Status.State == ConnectionState.PendingAuthorization
        || IsDeadGrant(record.Status)
        || (record.Status.State == ConnectionState.Disabled && record.StatusBeforeDisabled is { } before && IsDeadGrant(before));

    /// <summary>Freshly authorised tokens: a new generation, failures and warnings forgotten, the authorisation time set; the
    /// connection becomes <see cref="ConnectionState.Active"/> (a disabled one stays disabled until enabled).</summary>
    public static ConnectionRecord Authorized(ConnectionRecord record, TokenSet tokens, DateTimeOffset? authorizedAt, DateTimeOffset now)
    {
        var next = record with
        {
            Tokens = tokens,
            AuthorizedAt = authorizedAt ?? now,
            LastRefreshAt = tokens.AccessToken.IsEmpty ? record.LastRefreshAt : now,
            ConsecutiveFailures = 0,
            LastError = null,
            LastFailureCause = null,
            NextAttemptAt = null,
            PendingRefresh = null,
            RefreshTokenGeneration = record.RefreshTokenGeneration + 1,
            WarnedDeadline = null,
            ExpiryWarningsSent = [],
            StatusBeforeDisabled = null,
        };
        return record.Status.State == ConnectionState.Disabled ? next : next.WithStatus(ConnectionState.Active, StateReasons.Authorized, now);
    }

    private static bool IsDeadGrant(ConnectionStatus status) =>
        status is { State: ConnectionState.ReconnectRequired, Reason: StateReasons.Revoked or StateReasons.RefreshTokenExpired or StateReasons.RotationLostInFlight or StateReasons.NotAuthorized };
}
