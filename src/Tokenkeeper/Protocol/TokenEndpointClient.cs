using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Tokenkeeper.Protocol;

/// <summary>
/// Talks to an OAuth 2.0 token endpoint: builds the grant and client authentication, sends it, and turns whatever comes
/// back — tokens, OAuth errors, HTML, truncated or oversized bodies, dropped connections, timeouts — into a
/// <see cref="TokenResult"/>. One attempt per call: retries, leases and commits are the caller's (see <c>TokenManager</c>).
/// </summary>
public sealed class TokenEndpointClient
{
    private const string JwtBearerGrantType = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private const string JwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a client.</summary>
    /// <param name="http">The HTTP client. It should not follow redirects (a redirected POST could carry a refresh token elsewhere);
    /// <see cref="CreateDefaultHandler"/> makes a suitable handler.</param>
    /// <param name="timeProvider">The clock. Default <see cref="TimeProvider.System"/>.</param>
    /// <param name="timeout">Per-request timeout on <paramref name="timeProvider"/>. Default <see cref="TokenEndpointConstants.DefaultTimeout"/>.</param>
    public TokenEndpointClient(HttpClient http, TimeProvider? timeProvider = null, TimeSpan? timeout = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _time = timeProvider ?? TimeProvider.System;
        _timeout = timeout ?? TokenEndpointConstants.DefaultTimeout;
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
    public async Task<TokenResult> RequestTokenAsync(TokenEndpointRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        EndpointSecurity.EnsureAllowed(request.Endpoint, request.AllowInsecureHttp);
        using var message = new HttpRequestMessage(HttpMethod.Post, request.Endpoint);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        // Never leave this connection for reuse: see CreateDefaultHandler for why (also protects callers' own HttpClients).
        message.Headers.ConnectionClose = true;
        var form = BuildForm(request);
        ApplyClientAuthentication(message, form, request.Client, request.Endpoint);
        message.Content = new FormUrlEncodedContent(form);

        var sentAt = _time.GetUtcNow();
        var outcome = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is not null)
        {
            return TokenResult.Failed(outcome.Failure);
        }

        var context = new TokenResponseContext(sentAt, _time.GetUtcNow(), outcome.ServerDate, request.Profile, request.DefaultLifetime, request.RefreshToken, request.Scope);
        var result = TokenResponseParser.Parse(outcome.Status, outcome.MediaType, outcome.Body, outcome.RetryAfter, outcome.BasicChallenge, context);
        if (result.IsSuccess)
        {
            return result;
        }

        var redacted = Redact(result.Failure, SecretsOf(form, request.Client));
        return result.RotatedRefreshToken is { } rotated ? TokenResult.FailedAfterRotation(redacted, rotated) : TokenResult.Failed(redacted);
    }

    /// <summary>The per-request timeout.</summary>
    public TimeSpan Timeout => _timeout;

    /// <summary>Providers sometimes echo what they were sent in <c>error_description</c>: scrub every value of the request's
    /// form that could be a secret (refresh token, code, verifier, assertion, client secret) before the text goes anywhere.</summary>
    private static TokenEndpointFailure Redact(TokenEndpointFailure failure, IReadOnlyList<string> secrets)
    {
        string? Scrub(string? text)
        {
            foreach (var secret in secrets)
            {
                text = text?.Replace(secret, "[redacted]", StringComparison.Ordinal);
            }

            return text;
        }

        return failure with { Description = Scrub(failure.Description), Message = Scrub(failure.Message)! };
    }

    private static List<string> SecretsOf(List<KeyValuePair<string, string>> form, ClientIdentity client)
    {
        var secrets = form
            .Where(p => p.Key is "refresh_token" or "code" or "code_verifier" or "assertion" or "client_secret" or "client_assertion" or "token")
            .Select(p => p.Value)
            .ToList();
        if (client.Secret is { } secret)
        {
            secrets.Add(secret.Value);
        }

        return [.. secrets.Where(s => s.Length >= TokenEndpointConstants.MinRedactedLength).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Revokes a token (RFC 7009). Returns null on success (200, including for an unknown token), else the failure.</summary>
    /// <param name="revocationEndpoint">The revocation endpoint.</param>
    /// <param name="client">The client that owns the token.</param>
    /// <param name="token">The token to revoke (access or refresh). Revoking a refresh token usually revokes the whole grant.</param>
    /// <param name="tokenTypeHint"><c>refresh_token</c> or <c>access_token</c>.</param>
    /// <param name="allowInsecureHttp">Allow plain http on a non-loopback host.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<TokenEndpointFailure?> RevokeAsync(Uri revocationEndpoint, ClientIdentity client, string token, string? tokenTypeHint = null, bool allowInsecureHttp = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revocationEndpoint);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(token);
        EndpointSecurity.EnsureAllowed(revocationEndpoint, allowInsecureHttp, "revocation endpoint");
        using var message = new HttpRequestMessage(HttpMethod.Post, revocationEndpoint);
        var form = new List<KeyValuePair<string, string>> { new("token", token) };
        if (tokenTypeHint is not null)
        {
            form.Add(new("token_type_hint", tokenTypeHint));
        }

        ApplyClientAuthentication(message, form, client, revocationEndpoint);
        message.Content = new FormUrlEncodedContent(form);
        var outcome = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is not null)
        {
            return outcome.Failure;
        }

        if (outcome.Status is >= 200 and < 300)
        {
            return null;
        }

        var parsed = TokenResponseParser.Parse(outcome.Status, outcome.MediaType, outcome.Body, outcome.RetryAfter, outcome.BasicChallenge, new TokenResponseContext(_time.GetUtcNow(), _time.GetUtcNow(), null, Connections.ProviderProfiles.Generic, TimeSpan.Zero, null, null));
        return parsed.Failure;
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
    public async Task<IntrospectionResult> IntrospectAsync(Uri introspectionEndpoint, ClientIdentity client, string token, string? tokenTypeHint = null, bool allowInsecureHttp = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(introspectionEndpoint);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(token);
        EndpointSecurity.EnsureAllowed(introspectionEndpoint, allowInsecureHttp, "introspection endpoint");
        using var message = new HttpRequestMessage(HttpMethod.Post, introspectionEndpoint);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.ConnectionClose = true;
        var form = new List<KeyValuePair<string, string>> { new("token", token) };
        if (tokenTypeHint is not null)
        {
            form.Add(new("token_type_hint", tokenTypeHint));
        }

        ApplyClientAuthentication(message, form, client, introspectionEndpoint);
        message.Content = new FormUrlEncodedContent(form);
        var outcome = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (outcome.Failure is not null)
        {
            return new IntrospectionResult { Failure = Redact(outcome.Failure, SecretsOf(form, client)) };
        }

        if (outcome.Status is >= 200 and < 300 && IntrospectionActive(outcome.Body) is { } active)
        {
            return new IntrospectionResult { Active = active };
        }

        var context = new TokenResponseContext(_time.GetUtcNow(), _time.GetUtcNow(), null, Connections.ProviderProfiles.Generic, TimeSpan.Zero, null, null);
        var failure = outcome.Status is >= 200 and < 300
            ? new TokenEndpointFailure { Kind = TokenFailureKind.Protocol, StatusCode = outcome.Status, Message = $"introspection endpoint answered HTTP {outcome.Status} without a boolean 'active'" }
            : TokenResponseParser.Parse(outcome.Status, outcome.MediaType, outcome.Body, outcome.RetryAfter, outcome.BasicChallenge, context).Failure!;
        return new IntrospectionResult { Failure = Redact(failure with { Message = "introspection: " + failure.Message }, SecretsOf(form, client)) };
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

    private static List<KeyValuePair<string, string>> BuildForm(TokenEndpointRequest request)
    {
        var form = new List<KeyValuePair<string, string>>(8);
        switch (request.Grant)
        {
            case OAuthGrantType.RefreshToken:
                var refreshToken = request.RefreshToken ?? throw new ArgumentException("A refresh_token grant needs a refresh token.", nameof(request));
                form.Add(new("grant_type", "refresh_token"));
                form.Add(new("refresh_token", refreshToken.Value));
                break;
            case OAuthGrantType.ClientCredentials:
                form.Add(new("grant_type", "client_credentials"));
                break;
            case OAuthGrantType.AuthorizationCode:
                form.Add(new("grant_type", "authorization_code"));
                form.Add(new("code", request.Code ?? throw new ArgumentException("An authorization_code grant needs a code.", nameof(request))));
                if (request.RedirectUri is not null)
                {
                    form.Add(new("redirect_uri", request.RedirectUri));
                }

                if (request.CodeVerifier is not null)
                {
                    form.Add(new("code_verifier", request.CodeVerifier));
                }

                break;
            case OAuthGrantType.JwtBearer:
                form.Add(new("grant_type", JwtBearerGrantType));
                form.Add(new("assertion", request.Assertion ?? throw new ArgumentException("A JWT-bearer grant needs an assertion.", nameof(request))));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Grant, "Unknown grant type.");
        }

        if (!string.IsNullOrWhiteSpace(request.Scope))
        {
            form.Add(new("scope", request.Scope));
        }

        if (!string.IsNullOrWhiteSpace(request.Resource))
        {
            form.Add(new("resource", request.Resource));
        }

        if (!string.IsNullOrWhiteSpace(request.Audience))
        {
            form.Add(new("audience", request.Audience));
        }

        foreach (var (name, value) in request.ExtraParameters ?? new Dictionary<string, string>())
        {
            form.Add(new(name, value));
        }

        return form;
    }

    private void ApplyClientAuthentication(HttpRequestMessage message, List<KeyValuePair<string, string>> form, ClientIdentity client, Uri audience)
    {
        switch (client.AuthMethod)
        {
            case ClientAuthMethod.ClientSecretBasic:
                var secret = client.Secret ?? throw new TokenkeeperConfigurationException($"Client '{client.ClientId}' uses client_secret_basic but has no client secret.");
                var raw = FormEncoding.Encode(client.ClientId) + ":" + FormEncoding.Encode(secret.Value);
                message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)));
                break;
            case ClientAuthMethod.ClientSecretPost:
                var postSecret = client.Secret ?? throw new TokenkeeperConfigurationException($"Client '{client.ClientId}' uses client_secret_post but has no client secret.");
                form.Add(new("client_id", client.ClientId));
                form.Add(new("client_secret", postSecret.Value));
                break;
            case ClientAuthMethod.PrivateKeyJwt:
                var key = client.SigningKey ?? throw new TokenkeeperConfigurationException($"Client '{client.ClientId}' uses private_key_jwt but has no signing key.");
                form.Add(new("client_id", client.ClientId));
                form.Add(new("client_assertion_type", JwtBearerAssertionType));
                form.Add(new("client_assertion", JwtAssertion.Create(key, client.ClientId, client.ClientId, audience.GetLeftPart(UriPartial.Path), _time.GetUtcNow(), TokenEndpointConstants.ClientAssertionLifetime)));
                break;
            case ClientAuthMethod.None:
                form.Add(new("client_id", client.ClientId));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(client), client.AuthMethod, "Unknown client authentication method.");
        }
    }

    private async Task<RawResponse> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var sent = false;
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            sent = true;
            var status = (int)response.StatusCode;
            var now = _time.GetUtcNow();
            var serverDate = response.Headers.Date;
            var retryAfter = RetryAfter.Read(response.Headers, now, serverDate);
            var basic = response.Headers.WwwAuthenticate.Any(h => h.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase));
            if (status is >= 300 and < 400)
            {
                return RawResponse.Failed(new TokenEndpointFailure
                {
                    Kind = TokenFailureKind.Protocol,
                    StatusCode = status,
                    Message = $"token endpoint redirected (HTTP {status}) to '{response.Headers.Location?.GetLeftPart(UriPartial.Path)}'; redirects are not followed: configure the final URL",
                });
            }

            var declared = response.Content.Headers.ContentLength;
            if (declared > TokenEndpointConstants.MaxResponseBytes)
            {
                return RawResponse.Failed(Oversized(status));
            }

            var body = await ReadCappedAsync(response.Content, linked.Token).ConfigureAwait(false);
            if (body is null)
            {
                return RawResponse.Failed(Oversized(status));
            }

            return new RawResponse(status, response.Content.Headers.ContentType?.MediaType, body, retryAfter, serverDate, basic, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Our timeout, or one below us (HttpClient.Timeout of a caller-supplied client): either way no answer came.
            return RawResponse.Failed(new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Transient,
                MaybeProcessed = true,
                Message = $"token endpoint did not answer within {_timeout.TotalSeconds:0.#} s",
            });
        }
        catch (HttpRequestException ex)
        {
            return RawResponse.Failed(new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Transient,
                MaybeProcessed = sent || !IsConnectFailure(ex),
                Message = $"token endpoint unreachable: {Describe(ex)}",
            });
        }
        catch (IOException ex)
        {
            return RawResponse.Failed(new TokenEndpointFailure
            {
                Kind = TokenFailureKind.Transient,
                MaybeProcessed = true,
                Message = $"token endpoint connection broke while reading the response: {ex.GetType().Name}",
            });
        }
    }

    private static TokenEndpointFailure Oversized(int status) => new()
    {
        Kind = TokenFailureKind.Protocol,
        StatusCode = status,
        MaybeProcessed = true,
        Message = $"token endpoint response exceeds {TokenEndpointConstants.MaxResponseBytes} bytes",
    };

    private static bool IsConnectFailure(HttpRequestException ex) =>
        ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound or SocketError.NetworkUnreachable or SocketError.HostUnreachable };

    private static string Describe(HttpRequestException ex) => ex.HttpRequestError switch
    {
        HttpRequestError.Unknown => ex.InnerException?.GetType().Name ?? "unknown error",
        var error => error.ToString(),
    };

    /// <summary>Reads a body up to <see cref="TokenEndpointConstants.MaxResponseBytes"/>; null when it is longer.</summary>
    internal static async Task<byte[]?> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > TokenEndpointConstants.MaxResponseBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private sealed record RawResponse(int Status, string? MediaType, byte[] Body, TimeSpan? RetryAfter, DateTimeOffset? ServerDate, bool BasicChallenge, TokenEndpointFailure? Failure)
    {
        public static RawResponse Failed(TokenEndpointFailure failure) => new(0, null, [], null, null, false, failure);
    }
}
