using Tokenkeeper.Connections;

namespace Tokenkeeper.Onboarding;

/// <summary>
/// What a provider needs in the authorization request before it issues a refresh token, and what to tell a person whose grant
/// came back without one. Microsoft Entra wants the <c>offline_access</c> scope; Google <c>access_type=offline</c> and
/// <c>prompt=consent</c> (without the prompt a second consent gets no new refresh token); Salesforce the <c>refresh_token</c>
/// scope; a generic OpenID Connect provider <c>offline_access</c> with <c>prompt=consent</c> (OpenID Connect Core §11 lets it
/// ignore <c>offline_access</c> otherwise).
/// </summary>
internal static class OfflineAccess
{
    /// <summary>The scope and extra parameters to send for <paramref name="profile"/>, given the connection's <paramref name="scope"/>.</summary>
    public static (string? Scope, Dictionary<string, string> Extra) For(ProviderProfile profile, string? scope)
    {
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (profile.Name)
        {
            case "microsoft-entra":
                scope = WithScope(scope, "offline_access");
                break;
            case "google" or "google-testing":
                extra["access_type"] = "offline";
                extra["prompt"] = "consent";
                break;
            case "salesforce":
                scope = WithScope(scope, "refresh_token");
                break;
            default:
                if (HasScope(scope, "openid"))
                {
                    scope = WithScope(scope, "offline_access");
                    extra["prompt"] = "consent";
                }

                break;
        }

        return (scope, extra);
    }

    /// <summary>What to ask for when a grant came back without a refresh token.</summary>
    public static string Advice(ProviderProfile profile) => profile.Name switch
    {
        "microsoft-entra" => "the app registration must allow the offline_access permission (Tokenkeeper asks for it)",
        "google" or "google-testing" => "Google issues a refresh token only with access_type=offline and prompt=consent (Tokenkeeper sends both); remove the app's earlier grant at myaccount.google.com/permissions and connect again",
        "salesforce" => "the connected app's OAuth scopes must include 'Perform requests at any time (refresh_token, offline_access)'",
        _ => "the client must be allowed to receive refresh tokens (often a setting of the app at the provider, or the offline_access scope: add it to the connection's scopes)",
    };

    private static bool HasScope(string? scope, string wanted) =>
        scope is not null && scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(wanted, StringComparer.Ordinal);

    private static string WithScope(string? scope, string wanted) =>
        HasScope(scope, wanted) ? scope! : string.IsNullOrWhiteSpace(scope) ? wanted : $"{scope} {wanted}";
}
