using System.Globalization;

namespace Tokenkeeper.Cli.Progress;

/// <summary>The words of a progress line.</summary>
internal static class ProgressText
{
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Plural(long value, string singular, string plural) => $"{Count(value)} {(value == 1 ? singular : plural)}";

    public static string Records(ProgressSnapshot s) => s.Sync.Total is { } total
        ? $"{Count(s.Sync.RecordsWritten)}/{Count(total)} records"
        : $"{Count(s.Sync.RecordsWritten)} records";

    /// <summary>The counters after the record count: speed, batches, refreshes, replays, retries.</summary>
    public static string Counters(ProgressSnapshot s) => string.Join(
        " · ",
        $"{Count((long)s.RecordsPerSecond)} records/s",
        Plural(s.Sync.Batches, "batch", "batches"),
        Plural(s.TokenRefreshes, "token refresh", "token refreshes"),
        Plural(s.AuthReplays, "replay", "replays"),
        Plural(s.Retries, "retry", "retries"));

    /// <summary>Records, speed, refreshes and retries in few columns, for narrow terminals.</summary>
    public static string Compact(ProgressSnapshot s) =>
        $"{Records(s)} · {Count((long)s.RecordsPerSecond)}/s · {Plural(s.TokenRefreshes, "refresh", "refreshes")} · {Plural(s.Retries, "retry", "retries")}";

    public static string Line(ProgressSnapshot s)
    {
        var percent = s.Sync.Total is > 0 and var total ? string.Create(CultureInfo.InvariantCulture, $" ({100.0 * s.Sync.RecordsWritten / total:0}%)") : "";
        return string.Create(CultureInfo.InvariantCulture, $"[{s.Elapsed.TotalSeconds,6:0.0} s] {s.Sync.JobId}: {Records(s)}{percent} · {Counters(s)}");
    }
}
