using Tokenkeeper.Connections;
using Tokenkeeper.Tokens;

namespace Tokenkeeper.Protocol;

/// <summary>What the parser needs to know besides the response itself.</summary>
/// <param name="SentAt">When the request was sent (expiry counts from here).</param>
/// <param name="ReceivedAt">When the response arrived.</param>
/// <param name="ServerDate">The response's <c>Date</c> header, for a clock-skew estimate.</param>
/// <param name="Profile">The provider profile.</param>
/// <param name="DefaultLifetime">Lifetime when nothing else says.</param>
/// <param name="PreviousRefreshToken">The refresh token to keep when the response has none.</param>
/// <param name="RequestedScope">The scope asked for, kept when the response states none.</param>
internal readonly record struct TokenResponseContext(
    DateTimeOffset SentAt,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? ServerDate,
    ProviderProfile Profile,
    TimeSpan DefaultLifetime,
    RefreshToken? PreviousRefreshToken,
    string? RequestedScope)
{
    /// <summary>Server clock minus ours; zero without a <c>Date</c> header. The Date header has one-second resolution,
    /// so skews under two seconds are treated as none.</summary>
    public TimeSpan Skew
    {
        get
        {
            if (ServerDate is not { } date)
            {
                return TimeSpan.Zero;
            }

            var midpoint = SentAt + ((ReceivedAt - SentAt) / 2);
            var skew = date - midpoint;
            return skew.Duration() < TimeSpan.FromSeconds(2) ? TimeSpan.Zero : skew;
        }
    }
}
