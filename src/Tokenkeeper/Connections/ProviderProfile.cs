using Tokenkeeper.Tokens;
using Tokenkeeper.Http.AuthFailures;

namespace Tokenkeeper.Connections;

/// <summary>
/// What Tokenkeeper knows about a provider's tokens: lifetimes it does not state, refresh-token deadlines, rotation,
/// how its resource servers signal an expired token, and its legacy error codes. Every value is a documented default
/// (see <see cref="ProviderProfiles"/>) and can be overridden with <c>with</c>.
/// </summary>
public sealed record ProviderProfile
{
    /// <summary>The profile's name, as used in configuration (<c>generic</c>, <c>salesforce</c>, …).</summary>
    public required string Name { get; init; }

    /// <summary>The access-token lifetime to assume when a response has neither <c>expires_in</c> nor a JWT <c>exp</c>.
    /// Null: use the configured default (<see cref="TokenConstants.DefaultAccessTokenLifetime"/>).</summary>
    public TimeSpan? AccessTokenLifetime { get; init; }

    /// <summary>Whether <see cref="AccessTokenLifetime"/> counts from the response's <c>issued_at</c> (epoch milliseconds,
    /// Salesforce) rather than from when the request was sent.</summary>
    public bool LifetimeFromIssuedAt { get; init; }

    /// <summary>How long a refresh token lives from the authorisation, whatever its use. Null: no absolute limit known.
    /// A response's <c>refresh_token_expires_in</c> overrides it.</summary>
    public TimeSpan? RefreshTokenAbsoluteLifetime { get; init; }

    /// <summary>How long a refresh token survives without being used. Null: no idle limit known.</summary>
    public TimeSpan? RefreshTokenIdleLifetime { get; init; }

    /// <summary>How the provider rotates refresh tokens. Default <see cref="RefreshTokenRotation.Unknown"/> (treated as rotating:
    /// a refresh whose answer was lost is not sent again unless the provider's introspection says the token is still active).</summary>
    public RefreshTokenRotation Rotation { get; init; } = RefreshTokenRotation.Unknown;

    /// <summary>How long an old refresh token still works after rotation: the grace period of
    /// <see cref="RefreshTokenRotation.RotatingWithGrace"/>, or the reuse interval of <see cref="RefreshTokenRotation.ReuseDetection"/>.
    /// Zero: none. A refresh whose answer was lost is sent again only well inside it (docs/engine.md, "A lost answer").</summary>
    public TimeSpan RotationGrace { get; init; }


    /// <summary>The client authentication the provider expects by default.</summary>
    public ClientAuthMethod DefaultClientAuthMethod { get; init; } = ClientAuthMethod.ClientSecretBasic;

    /// <summary>Refresh windows for this provider's tokens. Null: <see cref="TokenWindowOptions.Default"/>.</summary>
    public TokenWindowOptions? Windows { get; init; }

    /// <summary>How the provider's resource servers say a token is no longer accepted.</summary>
    public IAuthFailureMatcher AuthFailureMatcher { get; init; } = BearerChallengeMatcher.Instance;

    /// <summary>Provider-specific error codes mapped to RFC 6749 §5.2 codes (HubSpot: <c>BAD_REFRESH_TOKEN</c> → <c>invalid_grant</c>).
    /// Looked up in the <c>error</c>, <c>status</c>, <c>errorCode</c> and <c>code</c> fields of an error body.</summary>
    public IReadOnlyDictionary<string, string> ErrorCodeAliases { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>A scope the provider needs in the authorization request before it issues a refresh token (Microsoft Entra and
    /// Xero: <c>offline_access</c>; Salesforce: <c>refresh_token</c>). Added by <c>tokenkeeper connect</c> when missing.</summary>
    public string? OfflineAccessScope { get; init; }

    /// <summary>More authorization request parameters the provider needs before it issues a refresh token (Google:
    /// <c>access_type=offline</c> and <c>prompt=consent</c>).</summary>
    public IReadOnlyDictionary<string, string> OfflineAuthorizationParameters { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>What to ask for when a grant came back without a refresh token anyway (a setting of the app at the provider);
    /// null: the generic advice.</summary>
    public string? OfflineAccessAdvice { get; init; }

    /// <summary>A sentence for operators: where these defaults come from.</summary>
    public string Notes { get; init; } = "";
}
