using Microsoft.AspNetCore.WebUtilities;

namespace Tokenkeeper.Simulator;

/// <summary>
/// <c>GET /oauth/authorize</c> (RFC 6749 §4.1.1 with PKCE S256 required): auto-approves for the test user (or a
/// known user named by <c>login_hint</c>) and redirects back with <c>code</c>, <c>state</c> and <c>iss</c>. An
/// unknown client or a redirect URI that is not registered exactly is answered with a JSON error and never
/// redirected (§4.1.2.1); every other error is redirected with <c>error</c> and <c>state</c>.
/// </summary>
internal sealed class AuthorizeEndpoint(SimulatorRuntime runtime)
{
    /// <summary>The scope that asks for a refresh token where <see cref="SimulatorOptions.OfflineAccessRequired"/> is on.</summary>
    public const string OfflineAccessScope = "offline_access";

    public Task InvokeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        foreach (var (key, values) in query)
        {
            if (values.Count > 1)
            {
                return Responses.ErrorAsync(context, 400, OAuthError.InvalidRequestCode, $"parameter '{key}' is repeated");
            }
        }

        var clientId = Param(query, "client_id");
        var client = runtime.Clients.Find(clientId);
        if (client is null)
        {
            return Responses.ErrorAsync(context, 400, OAuthError.InvalidRequestCode, clientId is null ? "client_id is required" : $"unknown client '{clientId}'");
        }

        var redirectUri = Param(query, "redirect_uri");
        var target = redirectUri ?? (client.RedirectUris.Length == 1 ? client.RedirectUris[0] : null);
        if (target is null || !RedirectUris.IsRegistered(client.RedirectUris, target))
        {
            var problem = redirectUri is null ? "redirect_uri is required" : $"redirect_uri '{redirectUri}' is not registered for client '{client.ClientId}' (exact match required; a loopback IP literal may use any port)";
            return Responses.ErrorAsync(context, 400, OAuthError.InvalidRequestCode, problem);
        }

        var state = Param(query, "state");
        var problemRedirect = Validate(query, client, out var scopes, out var user, out var challenge);
        if (problemRedirect is { } error)
        {
            return Redirect(context, target, state, ("error", error.Code), ("error_description", error.Description));
        }

        if (runtime.Options.ConsentDenied)
        {
            return Redirect(context, target, state, ("error", "access_denied"), ("error_description", "the user declined the request"));
        }

        var code = TokenValues.NewOpaque();
        runtime.State.Codes[code] = new AuthorizationCodeRecord(
            client, user, scopes, redirectUri, challenge, runtime.Clock.UtcNow + runtime.Options.AuthorizationCodeTtl);
        return Redirect(context, target, state, ("code", code));
    }

    private OAuthError? Validate(IQueryCollection query, RegisteredClient client, out string[] scopes, out string user, out string challenge)
    {
        scopes = client.Scopes;
        user = Param(query, "login_hint") ?? runtime.Clients.TestUser;
        challenge = Param(query, "code_challenge") ?? string.Empty;
        if (Param(query, "response_type") != "code")
        {
            return new OAuthError("unsupported_response_type", "response_type must be code");
        }

        if (!client.GrantTypes.Contains(SimulatorGrantTypes.AuthorizationCode))
        {
            return OAuthError.UnauthorizedClient($"client '{client.ClientId}' may not use the authorization code grant");
        }

        var requested = Scopes.Parse(Param(query, "scope"));
        if (!Scopes.IsSubset([.. requested.Where(s => s is not (OfflineAccessScope or "openid"))], client.Scopes))
        {
            return OAuthError.InvalidScope($"requested scope '{Scopes.Join(requested)}' exceeds the allowed scope '{Scopes.Join(client.Scopes)}'");
        }

        scopes = requested.Length == 0 ? client.Scopes : requested;
        if (challenge.Length == 0)
        {
            return OAuthError.InvalidRequest("code_challenge is required (PKCE S256)");
        }

        if (Param(query, "code_challenge_method") != Pkce.S256)
        {
            return OAuthError.InvalidRequest("code_challenge_method must be S256");
        }

        if (challenge.Length != 43 || !Pkce.IsWellFormed(challenge + "0000"))
        {
            return OAuthError.InvalidRequest("code_challenge must be the 43-character base64url SHA-256 of the verifier");
        }

        if (!runtime.Clients.IsKnownUser(user))
        {
            return new OAuthError("access_denied", $"unknown user '{user}'");
        }

        return null;
    }

    private Task Redirect(HttpContext context, string target, string? state, params (string Name, string Value)[] parameters)
    {
        var query = new List<KeyValuePair<string, string?>>(parameters.Length + 2);
        foreach (var (name, value) in parameters)
        {
            query.Add(new(name, value));
        }

        if (state is not null)
        {
            query.Add(new("state", state));
        }

        query.Add(new("iss", runtime.Issuer));
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = QueryHelpers.AddQueryString(target, query);
        Responses.NoStore(context);
        return Task.CompletedTask;
    }

    private static string? Param(IQueryCollection query, string name)
    {
        var value = query[name];
        return value.Count == 0 || string.IsNullOrEmpty(value[0]) ? null : value[0];
    }
}
