using Tokenkeeper.Connections;
using Tokenkeeper.Storage;

namespace Tokenkeeper.Refresh;

/// <summary>When a connection's refresh token dies (DESIGN.md contract 8): its absolute and idle deadlines.</summary>
internal static class RefreshTokenDeadlines
{
    /// <summary>The absolute deadline: the provider's stated <c>refresh_token_expires_in</c>, else the authorisation time plus
    /// the profile's absolute lifetime; null when neither is known.</summary>
    public static DateTimeOffset? Absolute(ConnectionRecord record, ProviderProfile profile)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(profile);
        if (record.Tokens?.RefreshTokenExpiresAt is { } stated)
        {
            return stated;
        }

        return record.AuthorizedAt is { } authorized && profile.RefreshTokenAbsoluteLifetime is { } lifetime ? authorized + lifetime : null;
    }

    /// <summary>The idle deadline: the refresh token's last successful use (or the authorisation) plus the profile's idle lifetime.</summary>
    public static DateTimeOffset? Idle(ConnectionRecord record, ProviderProfile profile)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(profile);
        var lastUse = Max(record.LastRefreshAt, record.AuthorizedAt);
        return lastUse is { } used && profile.RefreshTokenIdleLifetime is { } idle ? used + idle : null;
    }

    /// <summary>Whether either deadline has passed at <paramref name="now"/>.</summary>
    public static bool HasPassed(ConnectionRecord record, ProviderProfile profile, DateTimeOffset now) =>
        Absolute(record, profile) <= now || Idle(record, profile) <= now;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
