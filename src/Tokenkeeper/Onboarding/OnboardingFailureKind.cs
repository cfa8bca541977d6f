namespace Tokenkeeper.Onboarding;

/// <summary>Why connecting a connection did not end with fresh tokens.</summary>
public enum OnboardingFailureKind
{
    /// <summary>The connection cannot be connected this way: unknown, no authorization endpoint or redirect URI, a grant that
    /// needs no consent. Fix the configuration.</summary>
    Misconfigured,

    /// <summary>The provider or the person refused: <c>access_denied</c>, a refused code exchange, no refresh token where one is
    /// needed, or a redirect that does not belong to this request (wrong <c>state</c>, wrong <c>iss</c>).</summary>
    Refused,

    /// <summary>Nobody completed the request in time, or it had expired.</summary>
    TimedOut,

    /// <summary>The provider could not be reached, or kept failing.</summary>
    Unreachable,
}
