namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>POST /oauth/revoke</c> (RFC 7009). Revoking a refresh token revokes its whole grant (every refresh and access
/// token issued from it, §2.1); revoking an access token revokes that token only. An unknown token is answered
/// 200, as §2.2 requires; a token issued to another client is refused with <c>unauthorized_client</c>.
/// </summary>
internal sealed class RevocationEndpoint(SimulatorRuntime runtime, ClientAuthenticator authenticator)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (await TokenManagementRequest.ReadAsync(context, runtime, authenticator, introspection: false) is not { } request)
        {
            return;
        }

        var problem = Revoke(request.Token, request.Form.Get("token_type_hint") == "refresh_token", request.Client);
        if (problem is { } refused)
        {
            await OAuthErrorWriter.WriteAsync(context, runtime, refused);
            return;
        }

        Responses.NoStore(context);
        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private OAuthError? Revoke(string token, bool refreshFirst, RegisteredClient client)
    {
        var state = runtime.State;
        state.RefreshTokens.TryGetValue(token, out var refresh);
        state.AccessTokens.TryGetValue(token, out var access);
        var owner = refreshFirst ? refresh?.Grant.Client ?? access?.Client : access?.Client ?? refresh?.Grant.Client;
        if (owner is null)
        {
            return null;
        }

        if (owner != client)
        {
            return OAuthError.UnauthorizedClient("the token was issued to another client");
        }

        if (refresh is not null)
        {
            if (refresh.Grant.Revoke(GrantRevocationReasons.RevokedByClient))
            {
                Interlocked.Increment(ref runtime.Stats.GrantsRevoked);
                SimulatorLog.GrantRevoked(runtime.Logger, refresh.Grant.Id, GrantRevocationReasons.RevokedByClient);
            }
        }
        else
        {
            access!.Revoke();
        }

        return null;
    }
}
