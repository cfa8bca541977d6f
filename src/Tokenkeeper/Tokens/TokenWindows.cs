namespace Tokenkeeper.Tokens;

/// <summary>
/// The two points in a token's life (DESIGN.md contract 2): from <see cref="RefreshAheadAt"/> a background
/// refresh starts while the token keeps being served; past <see cref="UsableUntil"/> callers wait for a new token.
/// </summary>
/// <param name="IssuedAt">When the token's request was sent.</param>
/// <param name="ExpiresAt">When the token stops working.</param>
/// <param name="RefreshAheadAt">When to start refreshing in the background.</param>
/// <param name="UsableUntil">The last moment the token is handed out without waiting for a refresh.</param>
public readonly record struct TokenWindows(DateTimeOffset IssuedAt, DateTimeOffset ExpiresAt, DateTimeOffset RefreshAheadAt, DateTimeOffset UsableUntil)
{
    /// <summary>
    /// Computes the windows of a token.
    /// </summary>
    /// <param name="issuedAt">When the token's request was sent.</param>
    /// <param name="expiresAt">When the token expires.</param>
    /// <param name="options">The margins.</param>
    /// <param name="jitter">This instance's jitter draw in [0, 1): the refresh-ahead margin grows by
    /// <c>jitter × RefreshAheadJitterFraction</c> of itself (still capped at half the lifetime).</param>
    public static TokenWindows Compute(DateTimeOffset issuedAt, DateTimeOffset expiresAt, TokenWindowOptions options, double jitter)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lifetime = expiresAt - issuedAt;
        if (lifetime <= TimeSpan.Zero)
        {
            return new TokenWindows(issuedAt, expiresAt, expiresAt, expiresAt);
        }

        var half = lifetime * TokenConstants.MaxMarginFraction;
        var usable = Clamp(lifetime * options.UsableMarginFraction, options.MinUsableMargin, options.MaxUsableMargin, half);
        var ahead = Clamp(lifetime * options.RefreshAheadFraction, options.MinRefreshAhead, options.MaxRefreshAhead, half);
        ahead = Min(ahead * (1 + (Math.Clamp(jitter, 0, 1) * options.RefreshAheadJitterFraction)), half);
        if (ahead < usable)
        {
            ahead = usable;
        }

        return new TokenWindows(issuedAt, expiresAt, expiresAt - ahead, expiresAt - usable);
    }

    /// <summary>
    /// The last moment the token may be handed out to a caller who needs it valid for at least
    /// <paramref name="minValidity"/>: the later of the usable-until margin and <paramref name="minValidity"/> before expiry.
    /// </summary>
    public DateTimeOffset UsableUntilFor(TimeSpan minValidity)
    {
        var byCaller = ExpiresAt - minValidity;
        return byCaller < UsableUntil ? byCaller : UsableUntil;
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max, TimeSpan cap) => Min(value < min ? min : value > max ? max : value, cap);

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
