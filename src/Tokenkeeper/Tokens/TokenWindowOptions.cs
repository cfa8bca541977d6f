namespace Tokenkeeper.Tokens;

/// <summary>
/// How early a token is refreshed (DESIGN.md contract 2). Both margins are a fraction of the token's lifetime,
/// clamped to a range and never more than half the lifetime.
/// </summary>
/// <remarks>
/// <para><b>Refresh-ahead point</b>: from here a background refresh starts and callers keep getting the current token
/// without waiting. Default margin: a quarter of the lifetime, between 2 s and 5 min, moved earlier by a per-instance
/// jitter of up to 20% so a fleet does not refresh in lockstep.</para>
/// <para><b>Usable-until point</b>: past it callers wait for the refresh. Default margin: 5% of the lifetime, between
/// 1 s and 30 s. A caller may ask for more with <c>minValidity</c>.</para>
/// </remarks>
public sealed record TokenWindowOptions
{
    /// <summary>The defaults described in the remarks.</summary>
    public static readonly TokenWindowOptions Default = new();

    /// <summary>Refresh-ahead margin as a fraction of the lifetime. Default <see cref="TokenConstants.DefaultRefreshAheadFraction"/>.</summary>
    public double RefreshAheadFraction { get; init; } = TokenConstants.DefaultRefreshAheadFraction;

    /// <summary>Smallest refresh-ahead margin. Default <see cref="TokenConstants.DefaultMinRefreshAhead"/>.</summary>
    public TimeSpan MinRefreshAhead { get; init; } = TokenConstants.DefaultMinRefreshAhead;

    /// <summary>Largest refresh-ahead margin. Default <see cref="TokenConstants.DefaultMaxRefreshAhead"/>.</summary>
    public TimeSpan MaxRefreshAhead { get; init; } = TokenConstants.DefaultMaxRefreshAhead;

    /// <summary>Usable-until margin as a fraction of the lifetime. Default <see cref="TokenConstants.DefaultUsableMarginFraction"/>.</summary>
    public double UsableMarginFraction { get; init; } = TokenConstants.DefaultUsableMarginFraction;

    /// <summary>Smallest usable-until margin. Default <see cref="TokenConstants.DefaultMinUsableMargin"/>.</summary>
    public TimeSpan MinUsableMargin { get; init; } = TokenConstants.DefaultMinUsableMargin;

    /// <summary>Largest usable-until margin. Default <see cref="TokenConstants.DefaultMaxUsableMargin"/>.</summary>
    public TimeSpan MaxUsableMargin { get; init; } = TokenConstants.DefaultMaxUsableMargin;

    /// <summary>Per-instance jitter as a fraction of the refresh-ahead margin. Default <see cref="TokenConstants.DefaultRefreshAheadJitterFraction"/>.</summary>
    public double RefreshAheadJitterFraction { get; init; } = TokenConstants.DefaultRefreshAheadJitterFraction;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        CheckFraction(RefreshAheadFraction, nameof(RefreshAheadFraction));
        CheckFraction(UsableMarginFraction, nameof(UsableMarginFraction));
        CheckFraction(RefreshAheadJitterFraction, nameof(RefreshAheadJitterFraction));
        if (MinRefreshAhead < TimeSpan.Zero || MaxRefreshAhead < MinRefreshAhead)
        {
            throw new ArgumentException($"{nameof(MinRefreshAhead)} must be >= 0 and <= {nameof(MaxRefreshAhead)}.");
        }

        if (MinUsableMargin < TimeSpan.Zero || MaxUsableMargin < MinUsableMargin)
        {
            throw new ArgumentException($"{nameof(MinUsableMargin)} must be >= 0 and <= {nameof(MaxUsableMargin)}.");
        }
    }

    private static void CheckFraction(double value, string name)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            throw new ArgumentException($"{name} must be between 0 and 1; it is {value}.", name);
        }
    }
}
