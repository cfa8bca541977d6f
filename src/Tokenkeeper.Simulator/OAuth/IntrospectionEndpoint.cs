using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>POST /oauth/introspect</c> (RFC 7662). Only a client that proves its identity may call it (RFC 7662 §2.1; a
/// public client's bare <c>client_id</c> is 401 <c>invalid_client</c>, as is every other client-authentication
/// failure, §2.3). Any such client may introspect an access token (resource servers need to); a refresh token only
/// the client it was issued to, anyone else being told <c>{"active":false}</c>. Access tokens are active until
/// expired or revoked; refresh tokens while their grant is alive and they are live, or inside the grace window or
/// reuse interval. Times shown are on the simulator's (skewed) clock.
/// </summary>
internal sealed class IntrospectionEndpoint(SimulatorRuntime runtime, ClientAuthenticator authenticator)
{
    /// <summary>False while <see cref="SimulatorOptions.IntrospectionEnabled"/> is off: the path is then not served at all (404).</summary>
    public bool IsEnabled => runtime.Options.IntrospectionEnabled;

    public async Task InvokeAsync(HttpContext context)
    {
        if (await TokenManagementRequest.ReadAsync(context, runtime, authenticator, introspection: true) is not { } request)
        {
            return;
        }

        var (_, caller, token) = request;
        Responses.NoStore(context);
        await Responses.WriteJsonAsync(context, StatusCodes.Status200OK, JsonBody.Build((this, caller, token), static (w, s) => s.Item1.Write(w, s.caller, s.token)));
    }

    private void Write(Utf8JsonWriter w, RegisteredClient caller, string token)
    {
        var state = runtime.State;
        var now = runtime.Clock.UtcNow;
        var clock = runtime.Clock;
        w.WriteStartObject();
        if (state.AccessTokens.TryGetValue(token, out var access) && access.StatusAt(now) == AccessTokenStatus.Active)
        {
            w.WriteBoolean("active", true);
            WriteCommon(w, access.Scope, access.Client.ClientId, access.Subject, "Bearer", access.Grant?.Id);
            w.WriteEpoch("exp", clock.Shown(access.ExpiresAt));
            w.WriteEpoch("iat", clock.Shown(access.IssuedAt));
            w.WriteString("aud", runtime.ApiAudience);
        }
        else if (state.RefreshTokens.TryGetValue(token, out var refresh) && refresh.Grant.Client == caller && IsActive(refresh, now))
        {
            var grant = refresh.Grant;
            w.WriteBoolean("active", true);
            WriteCommon(w, grant.Scope, grant.Client.ClientId, grant.User, "refresh_token", grant.Id);
            if (grant.AbsoluteDeadline(runtime.Options) is { } deadline)
            {
                w.WriteEpoch("exp", clock.Shown(deadline));
            }

            w.WriteEpoch("iat", clock.Shown(refresh.IssuedAt));
        }
        else
        {
            w.WriteBoolean("active", false);
        }

        w.WriteEndObject();
    }

    private void WriteCommon(Utf8JsonWriter w, string scope, string clientId, string subject, string tokenType, string? grantId)
    {
        w.WriteString("scope", scope);
        w.WriteString("client_id", clientId);
        w.WriteString("username", subject);
        w.WriteString("sub", subject);
        w.WriteString("token_type", tokenType);
        w.WriteString("iss", runtime.Issuer);
        if (grantId is not null)
        {
            w.WriteString("grant_id", grantId);
        }
    }

    private bool IsActive(RefreshTokenRecord refresh, DateTimeOffset now)
    {
        var options = runtime.Options;
        var grant = refresh.Grant;
        lock (grant.Gate)
        {
            if (grant.IsRevoked
                || (grant.AbsoluteDeadline(options) is { } deadline && now >= deadline)
                || (options.RefreshIdleTtl is { } idle && now >= refresh.LastUsedAt + idle))
            {
                return false;
            }

            return refresh.IsLive
                || (options.Rotation == RotationMode.Grace && now < refresh.RotatedAt!.Value + options.RotationGrace)
                || (options.Rotation == RotationMode.ReuseDetection && refresh.Generation == grant.Generation - 1
                    && now < refresh.RotatedAt!.Value + options.ReuseInterval);
        }
    }
}
