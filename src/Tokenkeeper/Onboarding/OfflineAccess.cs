using Tokenkeeper.Connections;

namespace Tokenkeeper.Onboarding;

/// <summary>
/// What an authorization request must carry before the provider issues a refresh token, and what to tell a person whose grant
/// came back without one. The provider-specific parts are profile data (<see cref="ProviderProfile.OfflineAccessScope"/>,
/// <see cref="ProviderProfile.OfflineAuthorizationParameters"/>, <see cref="ProviderProfile.OfflineAccessAdvice"/>); one rule
/// is OpenID Connect's for every provider: a request with <c>openid</c> gets <c>offline_access</c> and <c>prompt=consent</c>
/// (OpenID Connect Core §11 lets the provider ignore <c>offline_access</c> otherwise).
/// </summary>
internal static class OfflineAccess
{
    /// <summary>The scope and extra parameters to send for <paramref name="profile"/>, given the connection's <paramref name="scope"/>.</summary>
    public static (string? Scope, Dictionary<string, string> Extra) For(ProviderProfile profile, string? scope)
    {
        var extra = new Dictionary<string, string>(profile.OfflineAuthorizationParameters, StringComparer.Ordinal);
        if (profile.OfflineAccessScope is { } offline)
        {
            scope = WithScope(scope, offline);
        }
        else if (HasScope(scope, "openid"))
        {
            scope = WithScope(scope, "offline_access");
            extra.TryAdd("prompt", "consent");
        }

        return (scope, extra);
    }

    /// <summary>What to ask for when a grant came back without a refresh token.</summary>
    public static string Advice(ProviderProfile profile) =>
        profile.OfflineAccessAdvice
        ?? "the client must be allowed to receive refresh tokens (often a setting of the app at the provider, or the offline_access scope: add it to the connection's scopes)";

    private static bool HasScope(string? scope, string wanted) =>
        scope is not null && scope.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(wanted, StringComparer.Ordinal);

    private static string WithScope(string? scope, string wanted) =>
        HasScope(scope, wanted) ? scope! : string.IsNullOrWhiteSpace(scope) ? wanted : $"{scope} {wanted}";
}
