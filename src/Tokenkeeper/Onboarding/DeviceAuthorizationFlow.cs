using System.Text.Json;
using Tokenkeeper.Connections;
using Tokenkeeper.Protocol;
using Tokenkeeper.Refresh;

namespace Tokenkeeper.Onboarding;

/// <summary>
/// Connects (or reconnects) a stored connection with the device authorization grant (RFC 8628), for machines without a browser:
/// <see cref="BeginAsync"/> gets a user code for the person to enter elsewhere; <see cref="CompleteAsync"/> polls the token
/// endpoint at the interval the provider asks (5 seconds more after each <c>slow_down</c>) until the person approves, declines,
/// or the codes expire, then commits the tokens with compare-and-swap. Nothing in the store changes unless it ends with fresh
/// tokens including a refresh token.
/// </summary>
public sealed class DeviceAuthorizationFlow
{
    private readonly TokenManager _manager;

    /// <summary>Creates the flow over <paramref name="manager"/>, whose store holds the connections.</summary>
    public DeviceAuthorizationFlow(TokenManager manager) => _manager = manager ?? throw new ArgumentNullException(nameof(manager));

    /// <summary>Asks the provider for a device code and a user code for <paramref name="connectionId"/>.</summary>
    /// <exception cref="OnboardingException">The connection cannot be connected this way, or the provider refused or could not be reached.</exception>
    public async Task<DeviceAuthorization> BeginAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        var record = await _manager.FindConnectionAsync(connectionId, cancellationToken).ConfigureAwait(false)
            ?? throw Fail(connectionId, OnboardingFailureKind.Misconfigured, $"there is no connection '{connectionId}' in the store; add it first (tokenkeeper connections add {connectionId} …)");
        var registration = record.Registration;
        if (registration.Grant != OAuthGrantType.RefreshToken)
        {
            throw Fail(connectionId, OnboardingFailureKind.Misconfigured, $"connection '{connectionId}' gets its tokens without a person's consent, so there is nothing to connect");
        }

        var endpoint = registration.DeviceAuthorizationEndpoint
            ?? throw Fail(connectionId, OnboardingFailureKind.Misconfigured, $"connection '{connectionId}' has no device authorization endpoint; give it one (--device-endpoint, or --discovery with the provider's issuer)");
        var (scope, _) = OfflineAccess.For(_manager.GetProfile(connectionId, registration), registration.Scope);
        (JsonElement? answer, TokenEndpointFailure? failure) reply;
        try
        {
            reply = await _manager.RequestDeviceAuthorizationAsync(record, endpoint, scope, cancellationToken).ConfigureAwait(false);
        }
        catch (TokenkeeperConfigurationException ex)
        {
            throw Fail(connectionId, OnboardingFailureKind.Misconfigured, ex.Message);
        }

        if (reply.failure is { } failed)
        {
            throw Fail(connectionId, failed.IsRetryable ? OnboardingFailureKind.Unreachable : OnboardingFailureKind.Refused, $"the device authorization request failed ({failed.Error ?? failed.Kind.ToString()}): {failed.Description ?? failed.Message}", failed.Error);
        }

        var json = reply.answer!.Value;
        string? Text(string name) => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        long? Number(string name) => json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
        var deviceCode = Text("device_code");
        var userCode = Text("user_code");
        var verification = Text("verification_uri") ?? Text("verification_url"); // Google's spelling
        if (deviceCode is null || userCode is null || !Uri.TryCreate(verification, UriKind.Absolute, out var verificationUri))
        {
            throw Fail(connectionId, OnboardingFailureKind.Refused, "the device authorization answer lacks device_code, user_code or verification_uri", "invalid_response");
        }

        var now = _manager.TimeProvider.GetUtcNow();
        return new DeviceAuthorization
        {
            ConnectionId = connectionId,
            DeviceCode = deviceCode,
            UserCode = userCode,
            VerificationUri = verificationUri,
            VerificationUriComplete = Uri.TryCreate(Text("verification_uri_complete"), UriKind.Absolute, out var complete) ? complete : null,
            ExpiresAt = now + TimeSpan.FromSeconds(Math.Clamp(Number("expires_in") ?? 600, 1, 86_400)),
            Interval = TimeSpan.FromSeconds(Math.Clamp(Number("interval") ?? OnboardingConstants.DefaultDevicePollSeconds, 1, 600)),
        };
    }

    /// <summary>Polls until the person decides or the codes expire, then stores the tokens.</summary>
    /// <exception cref="OnboardingException">Declined, expired, refused, or no refresh token; nothing was stored.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> ended the wait; nothing was stored.</exception>
    public async Task<OnboardingResult> CompleteAsync(DeviceAuthorization authorization, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        var id = authorization.ConnectionId;
        var interval = authorization.Interval;
        while (true)
        {
            await Task.Delay(interval, _manager.TimeProvider, cancellationToken).ConfigureAwait(false);
            if (_manager.TimeProvider.GetUtcNow() >= authorization.ExpiresAt)
            {
                throw Fail(id, OnboardingFailureKind.TimedOut, $"nobody entered the code {authorization.UserCode} before it expired at {authorization.ExpiresAt:u}. Nothing was stored; connect again.");
            }

            var record = await _manager.GetConnectionAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw Fail(id, OnboardingFailureKind.Misconfigured, $"there is no connection '{id}' in the store any more");
            var result = await _manager.ExchangeDeviceCodeAsync(record, authorization.DeviceCode).ConfigureAwait(false);
            if (result.Tokens is { } tokens)
            {
                if (tokens.RefreshToken is null)
                {
                    throw Fail(id, OnboardingFailureKind.Refused, $"the provider granted access but returned no refresh token, so the connection would stop working when the access token expires. Nothing was stored. To get one, {OfflineAccess.Advice(_manager.GetProfile(id, record.Registration))}.", "no_refresh_token");
                }

                var current = await _manager.AuthorizeAsync(id, tokens, CancellationToken.None).ConfigureAwait(false);
                return new OnboardingResult(id, record.Status, current, tokens.AccessToken.Fingerprint, tokens.RefreshToken.Value.Fingerprint);
            }

            var failure = result.Failure!;
            switch (failure.Error)
            {
                case "authorization_pending":
                    continue;
                case "slow_down":
                    interval += TimeSpan.FromSeconds(OnboardingConstants.SlowDownSeconds);
                    continue;
                case "access_denied":
                    throw Fail(id, OnboardingFailureKind.Refused, $"access was declined (by the person, or by a policy of the provider) (access_denied). Nothing was stored.", "access_denied");
                case "expired_token":
                    throw Fail(id, OnboardingFailureKind.TimedOut, $"the code {authorization.UserCode} expired before it was entered (expired_token). Nothing was stored; connect again.", "expired_token");
                default:
                    if (failure.IsRetryable && failure.Error is null)
                    {
                        continue; // the provider is briefly unwell: keep polling until the codes expire
                    }

                    throw Fail(id, OnboardingFailureKind.Refused, $"the provider refused the device code ({failure.Error ?? failure.Kind.ToString()}): {failure.Description ?? failure.Message}. Nothing was stored.", failure.Error);
            }
        }
    }

    private static OnboardingException Fail(string connectionId, OnboardingFailureKind kind, string message, string? providerError = null) =>
        new(connectionId, kind, $"Connection '{connectionId}': {message}", providerError);
}
