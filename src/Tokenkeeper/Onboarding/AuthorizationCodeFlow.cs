using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Onboarding;

/// <summary>
/// Connects (or reconnects) a stored connection with the authorization code grant and PKCE S256 (RFC 6749 §4.1, RFC 7636):
/// <see cref="BeginAsync"/> builds the request a person follows, <see cref="CompleteAsync"/> checks the redirect that comes back
/// (single-use <c>state</c>, RFC 9207 <c>iss</c>, the provider's error), exchanges the code and commits the tokens with
/// compare-and-swap. The connection keeps its id, history and plan. Nothing in the store changes unless it ends with fresh
/// tokens, and a grant that came without a refresh token where one is needed is refused, not stored to die in an hour.
/// The CLI's <c>tokenkeeper connect</c> and the token service both use this type.
/// </summary>
public sealed class AuthorizationCodeFlow
{
    private readonly TokenManager _manager;

    /// <summary>Creates the flow over <paramref name="manager"/>, whose store holds the connections.</summary>
    public AuthorizationCodeFlow(TokenManager manager) => _manager = manager ?? throw new ArgumentNullException(nameof(manager));

    /// <summary>Starts connecting <paramref name="connectionId"/>: the URL to send the person to, and what the completion checks.</summary>
    /// <param name="connectionId">A stored connection refreshed with the <c>refresh_token</c> grant.</param>
    /// <param name="redirectUri">The redirect URI to name; default the connection's (a loopback listener passes the port it got).</param>
    /// <param name="lifetime">How long the request may wait for its redirect; default 10 minutes.</param>
    /// <param name="cancellationToken">Cancels reading the store.</param>
    /// <exception cref="OnboardingException">The connection cannot be connected this way (<see cref="OnboardingFailureKind.Misconfigured"/>).</exception>
    public async Task<AuthorizationRequest> BeginAsync(string connectionId, string? redirectUri = null, TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        var record = await _manager.FindConnectionAsync(connectionId, cancellationToken).ConfigureAwait(false)
            ?? throw Misconfigured(connectionId, $"there is no connection '{connectionId}' in the store; add it first (tokenkeeper connections add {connectionId} …)");
        var registration = record.Registration;
        if (registration.Grant != OAuthGrantType.RefreshToken)
        {
            throw Misconfigured(connectionId, $"connection '{connectionId}' uses the {TagValue(registration.Grant)} grant: it gets its tokens without a person's consent, so there is nothing to connect");
        }

        var endpoint = registration.AuthorizationEndpoint
            ?? throw Misconfigured(connectionId, $"connection '{connectionId}' has no authorization endpoint; give it one (--authorization-endpoint, or --discovery with the provider's issuer)");
        var redirect = redirectUri ?? registration.RedirectUri
            ?? throw Misconfigured(connectionId, $"connection '{connectionId}' has no redirect URI; give it the one registered for client '{registration.ClientId}' at the provider (--redirect-uri)");
        try
        {
            EndpointSecurity.EnsureAllowed(endpoint, registration.AllowInsecureHttp, "authorization endpoint");
        }
        catch (TokenkeeperConfigurationException ex)
        {
            throw Misconfigured(connectionId, ex.Message);
        }

        var profile = _manager.GetProfile(connectionId, registration);
        var (scope, extra) = OfflineAccess.For(profile, registration.Scope);
        var pkce = Pkce.Create();
        var state = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(OnboardingConstants.StateBytes));
        var now = _manager.TimeProvider.GetUtcNow();
        return new AuthorizationRequest
        {
            ConnectionId = connectionId,
            AuthorizationUrl = AuthorizationUrl.Build(endpoint, registration.ClientId, redirect, scope, state, pkce, extra),
            State = state,
            CodeVerifier = pkce.Verifier,
            RedirectUri = redirect,
            Issuer = registration.Issuer,
            CreatedAt = now,
            ExpiresAt = now + (lifetime ?? OnboardingConstants.AuthorizationRequestLifetime),
        };
    }

    /// <summary>Completes <paramref name="request"/> with the redirect the provider sent the person to.</summary>
    /// <param name="request">What <see cref="BeginAsync"/> returned (use each once).</param>
    /// <param name="redirect">The full redirect URL, with its query.</param>
    /// <param name="cancellationToken">Cancels before the code is sent; a code exchange in flight is finished.</param>
    /// <exception cref="OnboardingException">The redirect was refused, the exchange failed or the grant is unusable; nothing was stored.</exception>
    public async Task<OnboardingResult> CompleteAsync(AuthorizationRequest request, Uri redirect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(redirect);
        var id = request.ConnectionId;
        var answer = AuthorizationResponse.Parse(redirect);
        if (answer.State is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(answer.State), Encoding.UTF8.GetBytes(request.State)))
        {
            throw new OnboardingException(id, OnboardingFailureKind.Refused, $"Connection '{id}': the redirect's state does not match this authorisation request, so it is not the answer to it (a stale, replayed or forged redirect). Nothing was stored; connect again.", StateMismatch);
        }

        if (_manager.TimeProvider.GetUtcNow() > request.ExpiresAt)
        {
            throw new OnboardingException(id, OnboardingFailureKind.TimedOut, $"Connection '{id}': the authorisation request expired at {request.ExpiresAt:u}. Nothing was stored; connect again.");
        }

        if (answer.Issuer is { } iss && request.Issuer is { } expected && !string.Equals(iss, expected, StringComparison.Ordinal))
        {
            throw new OnboardingException(id, OnboardingFailureKind.Refused, $"Connection '{id}': the redirect came from issuer '{iss}', not '{expected}' (RFC 9207): it may be another provider's answer. Nothing was stored.", "iss_mismatch");
        }

        if (answer.Error is { } error)
        {
            var why = error == "access_denied" ? "access was declined (by the person, or by a policy of the provider)" : "the provider refused the authorisation";
            throw new OnboardingException(id, OnboardingFailureKind.Refused, $"Connection '{id}': {why} ({error}{(answer.ErrorDescription is { } d ? ": " + Shorten(d) : "")}). Nothing was stored.", error);
        }

        var code = answer.Code
            ?? throw new OnboardingException(id, OnboardingFailureKind.Refused, $"Connection '{id}': the redirect carries neither a code nor an error. Nothing was stored.");
        var record = await _manager.GetConnectionAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw Misconfigured(id, $"there is no connection '{id}' in the store any more");
        var result = await _manager.ExchangeAuthorizationCodeAsync(record, code, request.RedirectUri, request.CodeVerifier).ConfigureAwait(false);
        if (result.Failure is { } failure)
        {
            throw new OnboardingException(
                id,
                failure.IsRetryable ? OnboardingFailureKind.Unreachable : OnboardingFailureKind.Refused,
                $"Connection '{id}': the code exchange failed ({failure.Error ?? failure.Kind.ToString()}): {failure.Description ?? failure.Message}. Nothing was stored; connect again.",
                failure.Error);
        }

        var tokens = result.Tokens!;
        if (tokens.RefreshToken is null)
        {
            var profile = _manager.GetProfile(id, record.Registration);
            throw new OnboardingException(
                id,
                OnboardingFailureKind.Refused,
                $"Connection '{id}': the provider granted access but returned no refresh token, so the connection would stop working when the access token expires ({tokens.ExpiresAt:u}). Nothing was stored. To get one, {OfflineAccess.Advice(profile)}.",
                "no_refresh_token");
        }

        var current = await _manager.AuthorizeAsync(id, tokens, CancellationToken.None).ConfigureAwait(false);
        return new OnboardingResult(id, record.Status, current, tokens.AccessToken.Fingerprint, tokens.RefreshToken.Value.Fingerprint);
    }

    /// <summary>The <see cref="OnboardingException.ProviderError"/> of a redirect whose <c>state</c> is not this request's.</summary>
    public const string StateMismatch = "state_mismatch";

    private static string Shorten(string text) =>
        text.Length <= TokenEndpointConstants.MaxDescriptionLength ? text : text[..TokenEndpointConstants.MaxDescriptionLength] + "…";

    private static OnboardingException Misconfigured(string connectionId, string message) =>
        new(connectionId, OnboardingFailureKind.Misconfigured, message);

    private static string TagValue(OAuthGrantType grant) => Diagnostics.TagValue.Of(grant);
}
