using System.Net.Http.Headers;

namespace Tokenkeeper.Protocol;

/// <summary>
/// Talks to an OAuth 2.0 token endpoint: builds the grant and client authentication, sends it, and turns whatever comes
/// back — tokens, OAuth errors, HTML, truncated or oversized bodies, dropped connections, timeouts — into a
/// <see cref="TokenResult"/>. One attempt per call: retries, leases and commits are the caller's (see <c>TokenManager</c>).
/// </summary>
public sealed class TokenEndpointClient
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;
    private readonly TokenEndpointExchange _exchange;

    /// <summary>Creates a client.</summary>
    /// <param name="http">The HTTP client. It should not follow redirects (a redirected POST could carry a refresh token elsewhere);
    /// <see cref="CreateDefaultHandler"/> makes a suitable handler.</param>
    /// <param name="timeProvider">The clock. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="timeout">Per-request timeout on <paramref name="timeProvider"/>. Default <see cref="TokenEndpointConstants.DefaultTimeout"/>.</param>
    public TokenEndpointClient(HttpClient http, TimeProvider? timeProvider = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _time = timeProvider ?? TimeProvider.System;
        _timeout = timeout ?? TokenEndpointConstants.DefaultTimeout;
        _exchange = new TokenEndpointExchange(http, _time, _timeout);
    }

    /// <summary>
    /// A handler for token endpoint traffic: no redirects, no cookies, and no connection reuse. The HTTP stack silently
    /// re-sends a request when a <i>reused</i> connection closes before any response byte; for a refresh that would spend a
    /// single-use refresh token twice behind Tokenkeeper's back. Token requests are rare, so a fresh connection each is cheap.
    /// </summary>
    public static SocketsHttpHandler CreateDefaultHandler() => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Sends one token request and returns tokens or a typed failure. Throws only for caller cancellation and
    /// for configuration faults (<see cref="TokenkeeperConfigurationException"/>: insecure endpoint, missing secret or key).</summary>
    internal async Task<TokenResult> RequestTokenAsync(TokenEndpointRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        EndpointSecurity.EnsureAllowed(request.Endpoint, request.AllowInsecureHttp);
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Endpoint);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        // Never leave this connection for reuse: see CreateDefaultHandler for why (also protects callers' own HttpClients).
        message.Headers.ConnectionClose = true;
        var form = TokenRequestForm.For(request);
        ClientAuthentication.Apply(message, form, request.Client, request.Endpoint, _time);
        message.Content = new FormUrlEncodedContent(form);

        var sentAt = _time.GetUtcNow();
        var outcome = await _exchange.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is not null)
        {
            return TokenResult.Failed(outcome.Failure);
        }

        var context = new TokenResponseContext(sentAt, _time.GetUtcNow(), outcome.ServerDate, request.Profile, request.DefaultLifetime, request.RefreshToken, request.Scope);
        var result = outcome.Parse(context);
        if (result.IsSuccess)
        {
            return result;
        }

        var redacted = SecretRedaction.Redact(result.Failure, form, request.Client);
        return result.RotatedRefreshToken is { } rotated ? TokenResult.FailedAfterRotation(redacted, rotated) : TokenResult.Failed(redacted);
    }

    /// <summary>The per-request timeout.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>Revokes a token (RFC 7009). Returns null on success (200, including for an unknown token), else the failure.</summary>
    /// <param name="revocationEndpoint">The revocation endpoint.</param>
    /// <param name="client">The client that owns the token.</param>
    /// <param name="token">The token to revoke (access or refresh). Revoking a refresh token usually revokes the whole grant.</param>
    /// <param name="tokenTypeHint"><c>refresh_token</c> or <c>access_token</c>.</param>
    /// <param name="allowInsecureHttp">Allow plain http on a non-loopback host.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal async Task<TokenEndpointFailure?> RevokeAsync(Uri revocationEndpoint, ClientIdentity client, string token, string? tokenTypeHint = null, bool allowInsecureHttp = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revocationEndpoint);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(token);
        EndpointSecurity.EnsureAllowed(revocationEndpoint, allowInsecureHttp, "revocation endpoint");
        using var message = new HttpRequestMessage(HttpMethod.Post, revocationEndpoint);
        var form = TokenRequestForm.ForToken(token, tokenTypeHint);
        ClientAuthentication.Apply(message, form, client, revocationEndpoint, _time);
        message.Content = new FormUrlEncodedContent(form);
        var outcome = await _exchange.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is not null)
        {
            return outcome.Failure;
        }

        if (outcome.Status is >= 200 and < 300)
        {
            return null;
        }

        return outcome.Parse(ErrorContext()).Failure;
    }

    /// <summary>
    /// Asks an introspection endpoint (RFC 7662) whether a token is active, authenticating as <paramref name="client"/>. A 200
    /// whose JSON has a boolean <c>active</c> is an answer; anything else is a typed failure in the result. Never throws for what
    /// the provider sends.
    /// </summary>
    /// <param name="introspectionEndpoint">The introspection endpoint.</param>
    /// <param name="client">The client asking (introspection needs client authentication, RFC 7662 §2.1).</param>
    /// <param name="token">The token to ask about.</param>
    /// <param name="tokenTypeHint"><c>refresh_token</c> or <c>access_token</c>.</param>
    /// <param name="allowInsecureHttp">Allow plain http on a non-loopback host.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    internal async Task<IntrospectionResult> IntrospectAsync(Uri introspectionEndpoint, ClientIdentity client, string token, string? tokenTypeHint = null, bool allowInsecureHttp = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(introspectionEndpoint);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(token);
        EndpointSecurity.EnsureAllowed(introspectionEndpoint, allowInsecureHttp, "introspection endpoint");
        using var message = new HttpRequestMessage(HttpMethod.Post, introspectionEndpoint);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.ConnectionClose = true;
        var form = TokenRequestForm.ForToken(token, tokenTypeHint);
        ClientAuthentication.Apply(message, form, client, introspectionEndpoint, _time);
        message.Content = new FormUrlEncodedContent(form);
        var outcome = await _exchange.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is not null)
        {
            return new IntrospectionResult { Failure = SecretRedaction.Redact(outcome.Failure, form, client) };
        }

        if (outcome.Status is >= 200 and < 300 && IntrospectionActive(outcome.Body) is { } active)
        {
            return new IntrospectionResult { Active = active };
        }

        var context = ErrorContext();
        var failure = outcome.Status is >= 200 and < 300
            ? new TokenEndpointFailure { Kind = TokenFailureKind.Protocol, StatusCode = outcome.Status, Message = $"introspection endpoint answered HTTP {outcome.Status} without a boolean 'active'" }
            : outcome.Parse(context).Failure!;
        return new IntrospectionResult { Failure = SecretRedaction.Redact(failure with { Message = "introspection: " + failure.Message }, form, client) };
    }

    private static bool? IntrospectionActive(byte[] body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && document.RootElement.TryGetProperty("active", out var active)
                && active.ValueKind is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False
                ? active.GetBoolean()
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The context revocation and introspection errors are parsed in: the generic profile, no tokens at stake.</summary>
    /// <summary>Asks a device authorization endpoint (RFC 8628 §3.1) for a device code and a user code, authenticating as
    /// <paramref name="client"/>. Returns the answer's JSON, or the failure.</summary>
    internal async Task<(System.Text.Json.JsonElement? Answer, TokenEndpointFailure? Failure)> RequestDeviceAuthorizationAsync(Uri endpoint, ClientIdentity client, string? scope, bool allowInsecureHttp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(client);
        EndpointSecurity.EnsureAllowed(endpoint, allowInsecureHttp, "device authorization endpoint");
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var form = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrWhiteSpace(scope))
        {
            form.Add(new("scope", scope));
        }

        ClientAuthentication.Apply(message, form, client, endpoint, _time);
        message.Content = new FormUrlEncodedContent(form);
        var outcome = await _exchange.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is { } failed)
        {
            return (null, failed);
        }

        if (outcome.Status is >= 200 and < 300)
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(outcome.Body);
                return (document.RootElement.Clone(), null);
            }
            catch (System.Text.Json.JsonException)
            {
                return (null, new TokenEndpointFailure { Kind = TokenFailureKind.Protocol, StatusCode = outcome.Status, Message = "device authorization answer is not JSON" });
            }
        }

        return (null, outcome.Parse(ErrorContext()).Failure);
    }

    private TokenResponseContext ErrorContext() =>
        new(_time.GetUtcNow(), _time.GetUtcNow(), null, Connections.ProviderProfiles.Generic, TimeSpan.Zero, null, null);
}
