using System.Text;

namespace Tokenkeeper.Protocol;

/// <summary>Builds the front-channel authorization request of the code flow (RFC 6749 §4.1.1 with PKCE S256, RFC 7636).</summary>
internal static class AuthorizationUrl
{
    /// <summary>Returns the URL to send the user to.</summary>
    /// <param name="authorizationEndpoint">The provider's authorization endpoint.</param>
    /// <param name="clientId">The client id.</param>
    /// <param name="redirectUri">The redirect URI registered for the client (matched exactly by the provider).</param>
    /// <param name="scope">The scope to ask for.</param>
    /// <param name="state">An unguessable value tied to the user's session; check it on the way back.</param>
    /// <param name="pkce">The PKCE pair; keep its verifier for the code exchange.</param>
    /// <param name="extra">More parameters (<c>access_type=offline</c>, <c>prompt=consent</c>, …).</param>
    public static Uri Build(Uri authorizationEndpoint, string clientId, string redirectUri, string? scope, string state, Pkce pkce, IReadOnlyDictionary<string, string>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(authorizationEndpoint);
        ArgumentNullException.ThrowIfNull(pkce);
        var query = new StringBuilder(authorizationEndpoint.Query.TrimStart('?'));
        void Add(string name, string? value)
        {
            if (value is null)
            {
                return;
            }

            if (query.Length > 0)
            {
                query.Append('&');
            }

            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        Add("response_type", "code");
        Add("client_id", clientId);
        Add("redirect_uri", redirectUri);
        Add("scope", scope);
        Add("state", state);
        Add("code_challenge", pkce.Challenge);
        Add("code_challenge_method", Pkce.Method);
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            Add(name, value);
        }

        return new UriBuilder(authorizationEndpoint) { Query = query.ToString() }.Uri;
    }
}
