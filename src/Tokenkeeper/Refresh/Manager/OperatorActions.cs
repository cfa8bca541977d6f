using Microsoft.Extensions.Logging;
using Tokenkeeper.Connections;
using Tokenkeeper.Diagnostics;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

/// <summary>
/// What a person does to a connection: authorise it (new tokens from a code exchange, a reconnect, a bootstrap token), disable
/// it, enable it. Each is a compare-and-swap change of the stored record, and each starts a new epoch of the connection's source,
/// so nothing obtained before it is served after it.
/// </summary>
internal sealed class OperatorActions(ConnectionRegistry registry, RecordUpdater updater, TokenSourceCache sources, RefreshEngine engine, ILogger logger)
{
    /// <summary>Stores freshly authorised tokens: <see cref="RegistrationRules.Authorized"/>, the client's rejection forgotten, the
    /// new token published.</summary>
    public async Task<ConnectionRecord> AuthorizeAsync(string connectionId, TokenSet tokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        await registry.EnsureRegisteredAsync(connectionId, cancellationToken).ConfigureAwait(false);
        var source = sources.Get(connectionId);
        source.Reset();
        var committed = await updater.UpdateAsync(connectionId, (record, now) =>
        {
            var next = RegistrationRules.Authorized(record, tokens, null, now);
            return (next, RecordUpdater.StateEvents(record, next, now));
        }, cancellationToken).ConfigureAwait(false);
        source.Reset();

        engine.Context.ClientHealth.Clear(TokenRequestFactory.ClientKey(committed.Registration, registry.GetProfile(connectionId, committed.Registration)));
        engine.Adopter.TryAdopt(source, committed, new Flight(RefreshTrigger.NoToken, null, TimeSpan.Zero, source.Epoch), out _, loading: true);
        Log.Authorized(logger, connectionId, tokens.AccessToken.IsEmpty ? TokenFingerprint.None : tokens.AccessToken.Fingerprint, tokens.RefreshToken?.Fingerprint ?? TokenFingerprint.None);
        return committed;
    }

    /// <summary>Disables a connection: no token is served and nothing is refreshed until it is enabled. A verdict that needs a
    /// person is kept for then.</summary>
    public async Task<ConnectionRecord> DisableAsync(string connectionId, string? detail, CancellationToken cancellationToken)
    {
        var committed = await updater.UpdateAsync(connectionId, (record, now) =>
        {
            var next = record.WithStatus(ConnectionState.Disabled, StateReasons.DisabledByOperator, now, detail) with
            {
                StatusBeforeDisabled = record.Status.State switch
                {
                    ConnectionState.ReconnectRequired => record.Status,
                    ConnectionState.Disabled => record.StatusBeforeDisabled,
                    _ when RecordTransitions.IsMisconfigured(record.Status) => record.Status, // so enabling knows to end its hold
                    _ => null,
                },
            };
            return (next, RecordUpdater.StateEvents(record, next, now));
        }, cancellationToken).ConfigureAwait(false);
        sources.Get(connectionId).Reset();
        return committed;
    }

    /// <summary>Enables a disabled connection: <see cref="ConnectionState.Active"/>, or <see cref="ConnectionState.PendingAuthorization"/>
    /// without tokens, or <see cref="ConnectionState.ReconnectRequired"/> (with the original reason, alerted again) when it was
    /// disabled while needing re-authorisation and no new grant has arrived since. The hold after the provider rejected the client
    /// ends: the next token request is sent at once.</summary>
    public async Task<ConnectionRecord> EnableAsync(string connectionId, CancellationToken cancellationToken)
    {
        sources.Get(connectionId).Reset();
        var committed = await updater.UpdateAsync(connectionId, (record, now) =>
        {
            if (record.Status.State != ConnectionState.Disabled)
            {
                return (record, []);
            }

            var authorized = record.Tokens?.RefreshToken is not null || record.Registration.Grant != OAuthGrantType.RefreshToken;
            var fault = RecordTransitions.IsConfigurationFault(record.StatusBeforeDisabled);
            var reopened = (record.StatusBeforeDisabled, authorized) switch
            {
                ({ State: ConnectionState.ReconnectRequired } before, _) when !fault => record.WithStatus(ConnectionState.ReconnectRequired, before.Reason, now, before.Detail),
                (_, true) => record.WithStatus(ConnectionState.Active, StateReasons.Authorized, now),
                _ => record.WithStatus(ConnectionState.PendingAuthorization, StateReasons.NotAuthorized, now),
            };

            // Enabling after the provider rejected the client is an operator saying "fixed at the provider, try again now": the hold
            // ends. A back-off the provider asked for (Retry-After) is kept.
            var next = reopened with { StatusBeforeDisabled = null, NextAttemptAt = fault ? null : record.NextAttemptAt };

            // Back to needing a person: say so again, as loudly as the first time (the alert goes to the webhooks).
            return next.Status.State == ConnectionState.ReconnectRequired
                ? (next, [.. RecordUpdater.StateEvents(record, next, now), ConnectionEvents.ReconnectRequired(connectionId, next.Status.Reason, next.Status.Detail, now)])
                : (next, RecordUpdater.StateEvents(record, next, now));
        }, cancellationToken).ConfigureAwait(false);

        engine.Context.ClientHealth.Clear(TokenRequestFactory.ClientKey(committed.Registration, registry.GetProfile(connectionId, committed.Registration)));
        return committed;
    }
}
