namespace Tokenkeeper.Simulator;

/// <summary>A parsed token request: the form and the authenticated client.</summary>
internal sealed class TokenRequest(HttpContext http, IFormCollection form, ClientAuthentication authentication)
{
    public HttpContext Http => http;

    public IFormCollection Form => form;

    public ClientAuthentication Authentication => authentication;

    /// <summary>The authenticated client (null only for an anonymous JWT-bearer request).</summary>
    public RegisteredClient? Client => authentication.Client;

    /// <summary>
    /// Resolves the <c>scope</c> parameter against what may be granted: absent means all of
    /// <paramref name="allowed"/>; any scope outside it is <c>invalid_scope</c>.
    /// </summary>
    public OAuthError? ResolveScope(string[] allowed, out string[] granted)
    {
        var requested = Scopes.Parse(form.Get("scope"));
        granted = requested.Length == 0 ? allowed : requested;
        return Scopes.IsSubset(requested, allowed)
            ? null
            : OAuthError.InvalidScope($"requested scope '{Scopes.Join(requested)}' exceeds the allowed scope '{Scopes.Join(allowed)}'");
    }
}
