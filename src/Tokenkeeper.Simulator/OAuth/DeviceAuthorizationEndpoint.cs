using System.Security.Cryptography;

namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>POST /oauth/device_authorization</c> (RFC 8628 §3.1-3.2): a client (confidential or public) asks to be authorised on
/// a device; the answer carries the device code it polls the token endpoint with, and the user code and verification URI a
/// person uses elsewhere. The person's decision comes through the admin API (<see cref="SimulatorServer.ApproveDevice"/>,
/// <see cref="SimulatorServer.DenyDevice"/>).
/// </summary>
internal sealed class DeviceAuthorizationEndpoint(SimulatorRuntime runtime, ClientAuthenticator authenticator)
{
    /// <summary>How long a device code lives: 10 minutes.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private const string UserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"; // no vowels: no words, no 0/O or 1/I confusion

    public async Task InvokeAsync(HttpContext context)
    {
        var (form, formError) = await FormReader.ReadAsync(context);
        if (form is null)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, formError!.Value);
            return;
        }

        var (authentication, authError) = authenticator.Authenticate(context, form, allowAnonymous: false);
        if (authError is { } error)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, error);
            return;
        }

        var client = authentication.Client!;
        if (!client.GrantTypes.Contains(SimulatorGrantTypes.DeviceCode))
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, OAuthError.UnauthorizedClient($"client '{client.ClientId}' may not use the device authorization grant"));
            return;
        }

        var requested = Scopes.Parse(form.Get("scope"));
        if (!Scopes.IsSubset([.. requested.Where(s => s is not (AuthorizeEndpoint.OfflineAccessScope or "openid"))], client.Scopes))
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, OAuthError.InvalidScope($"requested scope '{Scopes.Join(requested)}' exceeds the allowed scope '{Scopes.Join(client.Scopes)}'"));
            return;
        }

        var deviceCode = TokenValues.NewOpaque();
        var userCode = $"{RandomNumberGenerator.GetString(UserCodeAlphabet, 4)}-{RandomNumberGenerator.GetString(UserCodeAlphabet, 4)}";
        var interval = runtime.Options.DevicePollInterval;
        runtime.State.DeviceCodes[deviceCode] = new DeviceAuthorization(client, requested.Length == 0 ? client.Scopes : requested, userCode, runtime.Clock.UtcNow + Lifetime, interval);
        var verification = runtime.BaseAddress.ToString().TrimEnd('/') + "/device";
        var body = JsonBody.Build((deviceCode, userCode, verification, interval), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("device_code", s.deviceCode);
            w.WriteString("user_code", s.userCode);
            w.WriteString("verification_uri", s.verification);
            w.WriteString("verification_uri_complete", $"{s.verification}?user_code={s.userCode}");
            w.WriteNumber("expires_in", (long)Lifetime.TotalSeconds);
            w.WriteNumber("interval", (long)Math.Max(1, s.interval.TotalSeconds));
            w.WriteEndObject();
        });
        Responses.NoStore(context);
        await Responses.WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }
}
