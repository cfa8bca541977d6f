namespace Tokenkeeper.Connections;

/// <summary>
/// How a provider treats the refresh token on each refresh. It decides what happens to a refresh whose answer was lost after it
/// was sent (docs/engine.md, "A lost answer"): only a provider known not to rotate, or one whose old token still works for a
/// grace period, may be sent the same refresh token again without asking it first.
/// </summary>
public enum RefreshTokenRotation
{
    /// <summary>Known not to rotate: the same refresh token keeps working (a response may omit <c>refresh_token</c>; the old one
    /// is kept). A refresh whose answer was lost is sent again as it was.</summary>
    None,

    /// <summary>Each refresh returns a new refresh token; the old one dies at once.</summary>
    Rotating,

    /// <summary>Each refresh returns a new refresh token; the old one still works for
    /// <see cref="ProviderProfile.RotationGrace"/> (Xero: 30 minutes).</summary>
    RotatingWithGrace,

    /// <summary>Each refresh returns a new refresh token; presenting a dead one revokes the whole grant (Auth0, Okta, Salesforce),
    /// unless inside a reuse interval, given as <see cref="ProviderProfile.RotationGrace"/>.</summary>
    ReuseDetection,

    /// <summary>Not known: treated as rotating with reuse detection (the safe assumption). The <c>generic</c> profile's value.</summary>
    Unknown,
}
