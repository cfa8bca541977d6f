using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>The checks before anything is refreshed: each throws the typed exception a caller must handle.</summary>
internal static class RefreshGuards
{
    /// <summary>A connection that may not serve tokens: needs a person, disabled, or never authorised.</summary>
    public static void ThrowIfNotUsable(ConnectionRecord record)
    {
        var id = record.ConnectionId;
        switch (record.Status.State)
        {
            case ConnectionState.ReconnectRequired when record.Status.Reason is StateReasons.InvalidClient or StateReasons.ConfigurationError:
                // Written by a version before 0.13, which took a rejected client for a dead grant: it is a configuration fault.
                throw new ConnectionMisconfiguredException(id, record.Registration.ClientId, record.Status.Reason, record.Status.Detail);
            case ConnectionState.ReconnectRequired:
                throw new ReconnectRequiredException(id, record.Status.Reason, record.Status.Detail);
            case ConnectionState.Disabled:
                throw new ConnectionDisabledException(id, record.Status.Detail);
            case ConnectionState.PendingAuthorization:
                throw new ReconnectRequiredException(id, StateReasons.NotAuthorized, "the connection has not been authorised yet");
        }
    }

    /// <summary>A connection that may be refreshed now: usable, with a refresh token if its grant needs one, not held back after
    /// the provider rejected its configuration, not cooling down.</summary>
    public static void EnsureRefreshable(ConnectionRecord record, DateTimeOffset now)
    {
        ThrowIfNotUsable(record);
        var id = record.ConnectionId;
        if (record.Registration.Grant == OAuthGrantType.RefreshToken && record.Tokens?.RefreshToken is null)
        {
            throw new ReconnectRequiredException(id, StateReasons.NotAuthorized, "the store holds no refresh token for this connection");
        }

        if (RecordTransitions.IsMisconfigured(record.Status) && record.NextAttemptAt is { } retry && retry > now)
        {
            throw new ConnectionMisconfiguredException(id, record.Registration.ClientId, record.Status.Reason, record.Status.Detail, retry);
        }

        if (record.NextAttemptAt is { } notBefore && notBefore > now)
        {
            throw new TokenEndpointUnavailableException(
                id,
                $"Connection '{id}' is cooling down after {record.ConsecutiveFailures} failed refresh(es) until {notBefore:O}: {record.LastError}",
                null,
                notBefore,
                cause: record.LastFailureCause ?? FailureCauses.OfStateReason(record.Status.Reason) ?? FailureCause.Provider);
        }
    }

    /// <summary>A caller asking for longer than the provider's tokens live would spend a refresh token per call for nothing.</summary>
    public static void EnsureAttainable(ConnectionRecord record, Flight flight)
    {
        if (flight.MinValidity > TimeSpan.Zero && record.Tokens is { AccessToken.IsEmpty: false } tokens && tokens.Lifetime < flight.MinValidity)
        {
            throw new MinValidityUnattainableException(record.ConnectionId, flight.MinValidity, tokens.Lifetime);
        }
    }
}
