namespace Tokenkeeper.Tokens;

/// <summary>Every default number of the token windows and of expiry normalisation, in one place.</summary>
internal static class TokenConstants
{
    /// <summary>Refresh-ahead margin as a fraction of the token's lifetime: 0.25 (a quarter of the lifetime before expiry).</summary>
    public const double DefaultRefreshAheadFraction = 0.25;

    /// <summary>Smallest refresh-ahead margin: 2 seconds.</summary>
    public static readonly TimeSpan DefaultMinRefreshAhead = TimeSpan.FromSeconds(2);

    /// <summary>Largest refresh-ahead margin: 5 minutes.</summary>
    public static readonly TimeSpan DefaultMaxRefreshAhead = TimeSpan.FromMinutes(5);

    /// <summary>Usable-until margin as a fraction of the token's lifetime: 0.05.</summary>
    public const double DefaultUsableMarginFraction = 0.05;

    /// <summary>Smallest usable-until margin: 1 second (covers clock skew and "expired 0 seconds ago").</summary>
    public static readonly TimeSpan DefaultMinUsableMargin = TimeSpan.FromSeconds(1);

    /// <summary>Largest usable-until margin: 30 seconds.</summary>
    public static readonly TimeSpan DefaultMaxUsableMargin = TimeSpan.FromSeconds(30);

    /// <summary>Per-instance jitter on the refresh-ahead point, as a fraction of the refresh-ahead margin: 0.2.</summary>
    public const double DefaultRefreshAheadJitterFraction = 0.2;

    /// <summary>No window margin ever exceeds this fraction of the lifetime: 0.5 (DESIGN.md contract 2).</summary>
    public const double MaxMarginFraction = 0.5;

    /// <summary>Lifetime assumed when the provider states none and the profile knows none: 10 minutes (conservative).</summary>
    public static readonly TimeSpan DefaultAccessTokenLifetime = TimeSpan.FromMinutes(10);

    /// <summary>A stated lifetime longer than this is clamped to it: 365 days.</summary>
    public static readonly TimeSpan MaxAccessTokenLifetime = TimeSpan.FromDays(365);

    /// <summary>A stated refresh-token lifetime longer than this is clamped to it: 20 years.</summary>
    public static readonly TimeSpan MaxRefreshTokenLifetime = TimeSpan.FromDays(365 * 20);
}
