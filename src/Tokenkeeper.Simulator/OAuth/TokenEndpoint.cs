using Microsoft.Extensions.Logging;

namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>POST /oauth/token</c>: reads the form, applies the rate limit and fault dials, authenticates the client,
/// runs the grant, logs one line, holds the answer for the <c>token_delay</c> dial, and writes the token response or
/// the RFC 6749 §5.2 error.
/// </summary>
internal sealed class TokenEndpoint(
    SimulatorRuntime runtime,
    ClientAuthenticator authenticator,
    TokenRateLimiter rateLimiter,
    FaultInjector faults,
    TokenResponseHold hold,
    AuthorizationCodeGrant authorizationCode,
    RefreshTokenGrant refreshToken,
    ClientCredentialsGrant clientCredentials,
    JwtBearerGrant jwtBearer,
    DeviceCodeGrant deviceCode)
{
    public async Task InvokeAsync(HttpContext context)
    {
        Interlocked.Increment(ref runtime.Stats.TokenRequests);
        var (form, formError) = await FormReader.ReadAsync(context);
        if (form is null)
        {
            await RespondAsync(context, "-", ClientAuthentication.Anonymous, formError!.Value);
            return;
        }

        var claimedClient = ClientAuthenticator.ClaimedClientId(context, form);
        if (!await rateLimiter.AdmitAsync(context, claimedClient)
            || !await faults.BeforeAsync(context, runtime.Options.FaultRate, runtime.Options.Faults, runtime.TokenFaults, api: false))
        {
            return;
        }

        var grantType = form.Get("grant_type");
        var outcome = Process(context, form, grantType, out var clientId);
        if (outcome.Tokens is { } tokens)
        {
            LogIssued(grantType!, clientId, outcome);
            if (await hold.WaitAsync(context, clientId, outcome.GrantId))
            {
                await TokenResponseWriter.WriteAsync(context, runtime, tokens);
            }
        }
        else
        {
            await RespondAsync(context, grantType ?? "-", clientId, outcome.Error!.Value, outcome.GrantId, outcome.Presented);
        }
    }

    private TokenOutcome Process(HttpContext context, IFormCollection form, string? grantType, out string clientId)
    {
        clientId = ClientAuthentication.Anonymous;
        if (grantType is null)
        {
            return OAuthError.InvalidRequest("grant_type is required");
        }

        if (!SimulatorGrantTypes.All.Contains(grantType))
        {
            return OAuthError.UnsupportedGrantType($"grant_type '{grantType}' is not supported; supported: {string.Join(", ", SimulatorGrantTypes.All)}");
        }

        var isJwtBearer = grantType == SimulatorGrantTypes.JwtBearer;
        var (authentication, authError) = authenticator.Authenticate(context, form, allowAnonymous: isJwtBearer);
        if (authError is { } error)
        {
            return error;
        }

        var client = authentication.Client;
        clientId = client?.ClientId ?? ClientAuthentication.Anonymous;
        if (client is not null && !client.GrantTypes.Contains(grantType))
        {
            return OAuthError.UnauthorizedClient($"client '{client.ClientId}' may not use grant_type '{grantType}'");
        }

        var request = new TokenRequest(context, form, authentication);
        return grantType switch
        {
            SimulatorGrantTypes.RefreshToken => refreshToken.Handle(request),
            SimulatorGrantTypes.ClientCredentials => clientCredentials.Handle(request),
            SimulatorGrantTypes.AuthorizationCode => authorizationCode.Handle(request),
            SimulatorGrantTypes.DeviceCode => deviceCode.Handle(request),
            _ => jwtBearer.Handle(request),
        };
    }

    private async Task RespondAsync(HttpContext context, string grantType, string clientId, OAuthError error, string? grantId = null, string? presented = null)
    {
        if (error.Code == OAuthError.InvalidGrantCode)
        {
            Interlocked.Increment(ref runtime.Stats.InvalidGrantServed);
        }

        if (runtime.Logger.IsEnabled(LogLevel.Information))
        {
            SimulatorLog.TokenRefused(runtime.Logger, Label(grantType), clientId, grantId ?? "-", error.Code, error.Description, Fingerprint.Of(presented));
        }

        if (await hold.WaitAsync(context, clientId, grantId))
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, error);
        }
    }

    private void LogIssued(string grantType, string clientId, TokenOutcome outcome)
    {
        if (runtime.Logger.IsEnabled(LogLevel.Information))
        {
            var tokens = outcome.Tokens!;
            SimulatorLog.TokenIssued(
                runtime.Logger, Label(grantType), clientId, outcome.GrantId ?? "-",
                Fingerprint.Of(tokens.AccessToken), Fingerprint.Of(tokens.RefreshToken), Fingerprint.Of(outcome.Presented));
        }
    }

    /// <summary>A log-safe grant type label: known values as they are, anything else cut short.</summary>
    private static string Label(string grantType) =>
        grantType == SimulatorGrantTypes.JwtBearer ? "jwt-bearer" : grantType == SimulatorGrantTypes.DeviceCode ? "device-code" : grantType.Length <= 40 ? grantType : grantType[..40] + "…";
}
