using System.Globalization;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>Times and durations as a person reads them in a terminal.</summary>
internal static class Humanize
{
    public static string Duration(TimeSpan span)
    {
        var sign = span < TimeSpan.Zero ? "-" : "";
        span = span.Duration();
        return sign + (span.TotalDays >= 2 ? $"{span.TotalDays:0}d"
            : span.TotalHours >= 2 ? $"{span.TotalHours:0}h"
            : span.TotalMinutes >= 2 ? $"{span.TotalMinutes:0}m"
            : $"{span.TotalSeconds:0}s");
    }

    public static string Relative(DateTimeOffset? at, DateTimeOffset now) => at is not { } value
        ? "-"
        : value >= now ? $"in {Duration(value - now)}" : $"{Duration(now - value)} ago";

    public static string When(DateTimeOffset? at, DateTimeOffset now) => at is not { } value
        ? "-"
        : $"{Stamp(value)} ({Relative(value, now)})";

    /// <summary>A moment in UTC to the minute: <c>2026-12-07 12:00</c>.</summary>
    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>When a token stops being valid, as a person says it: "expires in 5m" ahead, "expired 84s ago" after.</summary>
    public static string Expiry(DateTimeOffset? at, DateTimeOffset now) => at is not { } value
        ? "-"
        : value > now ? $"expires in {Duration(value - now)}" : $"expired {Duration(now - value)} ago";
}
