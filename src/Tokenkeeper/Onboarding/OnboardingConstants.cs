namespace Tokenkeeper.Onboarding;

/// <summary>Every default number of onboarding, in one place.</summary>
internal static class OnboardingConstants
{
    /// <summary>How long an authorization request may wait for its redirect (and <c>tokenkeeper connect</c> for the person):
    /// 10 minutes.</summary>
    public static readonly TimeSpan AuthorizationRequestLifetime = TimeSpan.FromMinutes(10);

    /// <summary>Seconds between device-code polls when the provider names no interval (RFC 8628 §3.5): 5.</summary>
    public const int DefaultDevicePollSeconds = 5;

    /// <summary>Seconds added to the polling interval after each <c>slow_down</c> (RFC 8628 §3.5): 5.</summary>
    public const int SlowDownSeconds = 5;

    /// <summary>Random bytes in a <c>state</c> value: 32 (256 bits, base64url).</summary>
    public const int StateBytes = 32;
}
