namespace Tokenkeeper.Connections;

/// <summary>How a provider treats the refresh token on each refresh.</summary>
public enum RefreshTokenRotation
{
    /// <summary>The same refresh token keeps working (a response may omit <c>refresh_token</c>; the old one is kept).</summary>
    None,

    /// <summary>Each refresh returns a new refresh token; the old one dies at once.</summary>
    Rotating,

    /// <summary>Each refresh returns a new refresh token; the old one still works for a grace period (Xero: 30 minutes).</summary>
    RotatingWithGrace,

    /// <summary>Each refresh returns a new refresh token; presenting a dead one revokes the whole grant (Auth0, Okta, Salesforce).</summary>
    ReuseDetection,
}
