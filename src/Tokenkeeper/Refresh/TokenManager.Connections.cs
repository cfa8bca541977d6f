using Tokenkeeper.Connections;
using Tokenkeeper.Events;
using Tokenkeeper.Protocol;
using Tokenkeeper.Storage;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Refresh;

// The connections side of the manager: declaring and registering them, reading their status, the operator's actions, and the
// hooks the HTTP handler and the lifecycle use.
public sealed partial class TokenManager
{
    /// <summary>Declares a connection; it is registered in the store on first use (or by <see cref="RegisterAsync"/>).</summary>
    public void Define(ConnectionDefinition definition) => _registry.Define(definition);

    /// <summary>
    /// Called by the HTTP handler when a resource server rejected a request again after its replay with a new token: a
    /// possible auth loop (a revoked grant the token endpoint still serves, a wrong audience or scope). Enqueues an
    /// <c>auth_loop</c> alert, at most one per connection per <see cref="RefreshConstants.AuthLoopAlertInterval"/>.
    /// </summary>
    internal ValueTask ReportAuthLoopAsync(string connectionId, ManagedAccessToken rejected, string method, string path, CancellationToken cancellationToken = default) =>
        _authLoops.ReportAsync(connectionId, rejected, method, path, cancellationToken);

    /// <summary>Reads a connection's record (tokens included: keep it in memory only).</summary>
    internal ValueTask<ConnectionRecord?> GetConnectionAsync(string connectionId, CancellationToken cancellationToken = default) =>
        Store.GetAsync(connectionId, cancellationToken);

    /// <summary>The stored record of a connection, registering it first when it is declared here but not stored yet.</summary>
    internal async ValueTask<ConnectionRecord?> FindConnectionAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        await _registry.EnsureRegisteredAsync(connectionId, cancellationToken).ConfigureAwait(false);
        return await Store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The provider profile a connection uses, with the registration's rotation overrides applied.</summary>
    internal ProviderProfile GetProfile(string connectionId, ConnectionRegistration registration) => _registry.GetProfile(connectionId, registration);

    /// <summary>How a connection's resource servers signal a rejected token: its provider profile's matcher.</summary>
    internal async ValueTask<Http.AuthFailures.IAuthFailureMatcher> GetAuthFailureMatcherAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        if (_registry.TryGetDefinition(connectionId, out var definition))
        {
            return GetProfile(connectionId, definition.Registration).AuthFailureMatcher;
        }

        var record = await Store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false);
        return record is null ? Http.AuthFailures.BearerChallengeMatcher.Instance : GetProfile(connectionId, record.Registration).AuthFailureMatcher;
    }

    /// <summary>
    /// Registers a connection in the store. A store that does not know it creates it (with the bootstrap refresh token, if
    /// any); a store that does keeps its tokens — the live, rotated ones — and only updates the registration. A dead grant
    /// (<see cref="ConnectionState.ReconnectRequired"/>) is replaced when the bootstrap refresh token is a different one.
    /// </summary>
    public async Task<RegistrationOutcome> RegisterAsync(ConnectionDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        Define(definition);
        return await _registry.EnsureRegisteredAsync(definition.ConnectionId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A connection's status (state, reason, since when, detail): what a job may read about a connection without
    /// touching its secrets. Null when the store does not know the connection yet (a defined one is registered on first use).</summary>
    public async Task<ConnectionStatus?> GetStatusAsync(string connectionId, CancellationToken cancellationToken = default) =>
        (await Store.GetAsync(connectionId, cancellationToken).ConfigureAwait(false))?.Status;

    /// <summary>
    /// Stores freshly authorised tokens (from a code exchange, a reconnect, or a bootstrap refresh token): the connection becomes
    /// <see cref="ConnectionState.Active"/>, its failure counters reset and its authorisation time is now.
    /// </summary>
    /// <returns>The connection's new status (never its tokens: the refresh token stays in the store).</returns>
    public async Task<ConnectionStatus> AuthorizeAsync(string connectionId, TokenSet tokens, CancellationToken cancellationToken = default) =>
        (await _operator.AuthorizeAsync(connectionId, tokens, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary>Disables a connection: no token is served and nothing is refreshed until <see cref="EnableAsync"/>.</summary>
    /// <returns>The connection's new status.</returns>
    public async Task<ConnectionStatus> DisableAsync(string connectionId, string? detail = null, CancellationToken cancellationToken = default) =>
        (await _operator.DisableAsync(connectionId, detail, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary>Enables a disabled connection. It becomes <see cref="ConnectionState.Active"/>, or
    /// <see cref="ConnectionState.PendingAuthorization"/> without tokens, or <see cref="ConnectionState.ReconnectRequired"/> (with
    /// the original reason) when it was disabled while needing re-authorisation and no new grant has arrived since: enabling does
    /// not make a dead refresh token live.</summary>
    /// <returns>The connection's new status.</returns>
    public async Task<ConnectionStatus> EnableAsync(string connectionId, CancellationToken cancellationToken = default) =>
        (await _operator.EnableAsync(connectionId, cancellationToken).ConfigureAwait(false)).Status;

    /// <summary>Exchanges an authorization code for <paramref name="record"/>'s client (RFC 6749 §4.1.3 with the PKCE verifier),
    /// through the same client authentication and rate limit as its refreshes. Stores nothing: the caller commits.</summary>
    internal Task<TokenResult> ExchangeAuthorizationCodeAsync(ConnectionRecord record, string code, string redirectUri, string codeVerifier) =>
        ExchangeAsync(record, OAuthGrantType.AuthorizationCode, code, redirectUri, codeVerifier);

    /// <summary>Polls the token endpoint once for a device authorization (RFC 8628 §3.4) of <paramref name="record"/>'s client.</summary>
    internal Task<TokenResult> ExchangeDeviceCodeAsync(ConnectionRecord record, string deviceCode) =>
        ExchangeAsync(record, OAuthGrantType.DeviceCode, deviceCode, null, null);

    /// <summary>Asks <paramref name="record"/>'s device authorization endpoint for a device and user code (RFC 8628 §3.1).</summary>
    internal Task<(System.Text.Json.JsonElement? Answer, TokenEndpointFailure? Failure)> RequestDeviceAuthorizationAsync(ConnectionRecord record, Uri endpoint, string? scope, CancellationToken cancellationToken)
    {
        var registration = record.Registration;
        var client = _engine.Context.Requests.Create(registration with { Grant = OAuthGrantType.ClientCredentials }, GetProfile(record.ConnectionId, registration), null).Client;
        return _engine.Context.Client.RequestDeviceAuthorizationAsync(endpoint, client, scope, registration.AllowInsecureHttp, cancellationToken);
    }

    private async Task<TokenResult> ExchangeAsync(ConnectionRecord record, OAuthGrantType grant, string code, string? redirectUri, string? codeVerifier)
    {
        var registration = record.Registration;
        var context = _engine.Context;
        var request = context.Requests.Create(registration with { Grant = grant }, GetProfile(record.ConnectionId, registration), null) with
        {
            Code = code,
            RedirectUri = redirectUri,
            CodeVerifier = codeVerifier,
            Scope = null,
        };
        await context.RateLimiter.AcquireAsync(TokenRequestFactory.ClientKey(registration, GetProfile(record.ConnectionId, registration)), CancellationToken.None).ConfigureAwait(false);
        return await context.Client.RequestTokenAsync(request, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Revokes <paramref name="record"/>'s refresh token at its provider (RFC 7009; most providers revoke the whole grant)
    /// with the connection's client authentication. Null on success, else the failure; the store is not touched.</summary>
    internal async Task<TokenEndpointFailure?> RevokeRefreshTokenAsync(ConnectionRecord record, CancellationToken cancellationToken)
    {
        var registration = record.Registration;
        var refreshToken = record.Tokens?.RefreshToken ?? throw new InvalidOperationException($"Connection '{record.ConnectionId}' holds no refresh token.");
        var endpoint = registration.RevocationEndpoint ?? throw new InvalidOperationException($"Connection '{record.ConnectionId}' has no revocation endpoint.");
        var context = _engine.Context;
        var client = context.Requests.Create(registration with { Grant = OAuthGrantType.RefreshToken }, GetProfile(record.ConnectionId, registration), refreshToken).Client;
        return await context.Client.RevokeAsync(endpoint, client, refreshToken.Value, "refresh_token", registration.AllowInsecureHttp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies <paramref name="change"/> to the stored record with compare-and-swap, re-reading and re-applying on conflicts.
    /// Returning the same record instance commits nothing.</summary>
    internal Task<ConnectionRecord> UpdateAsync(string connectionId, Func<ConnectionRecord, DateTimeOffset, (ConnectionRecord Next, IReadOnlyList<ConnectionEvent> Events)> change, CancellationToken cancellationToken) =>
        _updater.UpdateAsync(connectionId, change, cancellationToken);
}
