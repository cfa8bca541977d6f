namespace Tokenkeeper.Onboarding;

/// <summary>Every default number of onboarding, in one place.</summary>
internal static class OnboardingConstants
{
    /// <summary>How long an authorization request may wait for its redirect (and <c>tokenkeeper connect</c> for the person):
    /// 10 minutes.</summary>
    public static readonly TimeSpan AuthorizationRequestLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Random bytes in a <c>state</c> value: 32 (256 bits, base64url).</summary>
    public const int StateBytes = 32;
}
