using Tokenkeeper.Http.AuthFailures;

namespace Tokenkeeper.Connections;

/// <summary>
/// The provider presets, with the documented behaviour of each provider as defaults (see docs/providers.md).
/// Look one up by name with <see cref="Get"/>; override any value with <c>with { … }</c>.
/// </summary>
public static class ProviderProfiles
{
    /// <summary>Plain RFC 6749 provider: everything comes from the token response.</summary>
    public static readonly ProviderProfile Generic = new() { Name = "generic", Notes = "RFC 6749 defaults; nothing assumed (rotation unknown: treated as single-use)." };

    /// <summary>Salesforce: no <c>expires_in</c>; the session timeout (default 2 h) counts from <c>issued_at</c> (epoch ms);
    /// refresh tokens die after 30 days unused on many orgs; <c>INVALID_SESSION_ID</c> on expired sessions.</summary>
    public static readonly ProviderProfile Salesforce = new()
    {
        Name = "salesforce",
        OfflineAccessScope = "refresh_token",
        OfflineAccessAdvice = "the connected app's OAuth scopes must include 'Perform requests at any time (refresh_token, offline_access)'",
        AccessTokenLifetime = TimeSpan.FromHours(2),
        LifetimeFromIssuedAt = true,
        RefreshTokenIdleLifetime = TimeSpan.FromDays(30),
        DefaultClientAuthMethod = ClientAuthMethod.ClientSecretPost,
        AuthFailureMatcher = SalesforceSessionMatcher.Instance,
        Notes = "Session timeout is an org setting (2 h default); refresh-token idle limit of 30 days is now common; rotation is an app setting (reuse revokes the grant), so unknown.",
    };

    /// <summary>HubSpot: 30-minute access tokens, long-lived refresh tokens, legacy <c>BAD_REFRESH_TOKEN</c> errors.</summary>
    public static readonly ProviderProfile HubSpot = new()
    {
        Name = "hubspot",
        AccessTokenLifetime = TimeSpan.FromMinutes(30),
        DefaultClientAuthMethod = ClientAuthMethod.ClientSecretPost,
        ErrorCodeAliases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["BAD_REFRESH_TOKEN"] = OAuthErrorCodes.InvalidGrant,
            ["BAD_AUTH_CODE"] = OAuthErrorCodes.InvalidGrant,
            ["BAD_CLIENT_ID"] = OAuthErrorCodes.InvalidClient,
            ["BAD_CLIENT_SECRET"] = OAuthErrorCodes.InvalidClient,
            ["BAD_REDIRECT_URI"] = OAuthErrorCodes.InvalidRequest,
        },
        Rotation = RefreshTokenRotation.None,
        Notes = "expires_in 1800; long-lived refresh tokens that do not rotate; store whatever refresh token comes back.",
    };

    /// <summary>Zendesk Sell: about one hour (<c>expires_in: 3599</c> seen); rotation undocumented, so treated as rotating.</summary>
    public static readonly ProviderProfile ZendeskSell = new()
    {
        Name = "zendesk-sell",
        AccessTokenLifetime = TimeSpan.FromHours(1),
        Rotation = RefreshTokenRotation.Rotating,
        Notes = "Separate OAuth server; single-use refresh tokens assumed (safe default).",
    };

    /// <summary>Genesys Cloud: client credentials, 300 s to 48 h per client, no refresh token: just re-request.</summary>
    public static readonly ProviderProfile GenesysCloud = new()
    {
        Name = "genesys",
        Rotation = RefreshTokenRotation.None,
        Notes = "Client credentials; lifetime per OAuth client (300 s - 48 h).",
    };

    /// <summary>Microsoft Entra ID: 60-90 minute access tokens; refresh tokens live 90 days sliding (idle), a new one each use
    /// while the old one stays valid (modelled as a one-day grace, far shorter than the truth).</summary>
    public static readonly ProviderProfile MicrosoftEntra = new()
    {
        Name = "microsoft-entra",
        AccessTokenLifetime = TimeSpan.FromMinutes(60),
        RefreshTokenIdleLifetime = TimeSpan.FromDays(90),
        Rotation = RefreshTokenRotation.RotatingWithGrace,
        RotationGrace = TimeSpan.FromDays(1),
        DefaultClientAuthMethod = ClientAuthMethod.ClientSecretPost,
        OfflineAccessScope = "offline_access",
        OfflineAccessAdvice = "the app registration must allow the offline_access permission (Tokenkeeper asks for it)",
        Notes = "A new refresh token on each use, the old stays valid: always keep the newest.",
    };

    /// <summary>Google: one-hour access tokens; refresh tokens revoked after 6 months unused; <c>invalid_grant</c> "Token has been expired or revoked."</summary>
    public static readonly ProviderProfile Google = new()
    {
        Name = "google",
        AccessTokenLifetime = TimeSpan.FromHours(1),
        RefreshTokenIdleLifetime = TimeSpan.FromDays(180),
        Rotation = RefreshTokenRotation.None,
        DefaultClientAuthMethod = ClientAuthMethod.ClientSecretPost,
        OfflineAuthorizationParameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["access_type"] = "offline", ["prompt"] = "consent" },
        OfflineAccessAdvice = "Google issues a refresh token only with access_type=offline and prompt=consent (Tokenkeeper sends both); remove the app's earlier grant at myaccount.google.com/permissions and connect again",
        Notes = "No rotation; refresh tokens of apps in 'testing' publishing status die after 7 days (use google-testing).",
    };

    /// <summary>Google, for apps in the "testing" publishing status: refresh tokens expire 7 days after authorisation.</summary>
    public static readonly ProviderProfile GoogleTesting = Google with
    {
        Name = "google-testing",
        RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(7),
        Notes = "Apps in testing status: refresh tokens expire after 7 days whatever their use.",
    };

    /// <summary>Xero: 30-minute access tokens; every refresh rotates, the old token works for 30 minutes; 60 days unused kills it.</summary>
    public static readonly ProviderProfile Xero = new()
    {
        Name = "xero",
        OfflineAccessScope = "offline_access",
        AccessTokenLifetime = TimeSpan.FromMinutes(30),
        RefreshTokenIdleLifetime = TimeSpan.FromDays(60),
        Rotation = RefreshTokenRotation.RotatingWithGrace,
        RotationGrace = TimeSpan.FromMinutes(30),
        Notes = "30-minute grace to retry the old refresh token after a lost response.",
    };

    /// <summary>QuickBooks Online: one-hour access tokens; refresh tokens roll over 100 days (<c>x_refresh_token_expires_in</c>), capped at 5 years.</summary>
    public static readonly ProviderProfile QuickBooks = new()
    {
        Name = "quickbooks",
        AccessTokenLifetime = TimeSpan.FromHours(1),
        RefreshTokenIdleLifetime = TimeSpan.FromDays(100),
        RefreshTokenAbsoluteLifetime = TimeSpan.FromDays(5 * 365),
        Rotation = RefreshTokenRotation.Rotating,
        Notes = "The refresh token value changes about daily; always store the newest.",
    };

    /// <summary>Slack (token rotation on): 12-hour access tokens, single-use refresh tokens, auth failures as HTTP 200 <c>ok:false</c>.</summary>
    public static readonly ProviderProfile Slack = new()
    {
        Name = "slack",
        AccessTokenLifetime = TimeSpan.FromHours(12),
        Rotation = RefreshTokenRotation.Rotating,
        DefaultClientAuthMethod = ClientAuthMethod.ClientSecretPost,
        AuthFailureMatcher = SlackOkFalseMatcher.Instance,
        Notes = "API errors arrive as HTTP 200 {\"ok\":false,\"error\":\"token_expired\"}.",
    };

    private static readonly Dictionary<string, ProviderProfile> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["generic"] = Generic,
        ["salesforce"] = Salesforce,
        ["hubspot"] = HubSpot,
        ["zendesk-sell"] = ZendeskSell,
        ["zendesk"] = ZendeskSell,
        ["genesys"] = GenesysCloud,
        ["genesys-cloud"] = GenesysCloud,
        ["microsoft-entra"] = MicrosoftEntra,
        ["entra"] = MicrosoftEntra,
        ["google"] = Google,
        ["google-testing"] = GoogleTesting,
        ["xero"] = Xero,
        ["quickbooks"] = QuickBooks,
        ["slack"] = Slack,
    };

    /// <summary>Every preset, once each.</summary>
    public static IReadOnlyList<ProviderProfile> All { get; } = ByName.Values.Distinct().ToArray();

    /// <summary>Returns the preset named <paramref name="name"/> (case-insensitive; <c>zendesk</c>, <c>entra</c>, <c>genesys-cloud</c> are aliases).</summary>
    /// <exception cref="ArgumentException">No preset has that name; the message lists the valid ones.</exception>
    public static ProviderProfile Get(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return TryGet(name, out var profile)
            ? profile
            : throw new ArgumentException($"Unknown provider '{name}'. Known providers: {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
    }

    /// <summary>Looks up a preset by name.</summary>
    public static bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ProviderProfile? profile) => ByName.TryGetValue(name, out profile);
}
