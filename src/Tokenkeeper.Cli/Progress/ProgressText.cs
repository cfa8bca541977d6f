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

    /// <summary>
    /// The live bar's description in at most <paramref name="columns"/> columns: the most detailed wording that fits, from the
    /// job's name with every counter in full words down to short labels. Every wording names records/s, batches, token
    /// refreshes and retries; when none fits, the shortest.
    /// </summary>
    public static LiveDescription Live(ProgressSnapshot s, int columns)
    {
        var chosen = default(LiveDescription);
        foreach (var wording in LiveWordings(s))
        {
            chosen = wording;
            if (wording.Length <= columns)
            {
                break;
            }
        }

        return chosen;
    }

    /// <summary>The live bar's wordings, longest first.</summary>
    private static IEnumerable<LiveDescription> LiveWordings(ProgressSnapshot s)
    {
        var rate = $"{Count((long)s.RecordsPerSecond)}/s";
        var batches = Plural(s.Sync.Batches, "batch", "batches");
        var refreshes = Plural(s.TokenRefreshes, "refresh", "refreshes");
        var retries = Plural(s.Retries, "retry", "retries");
        var written = Count(s.Sync.RecordsWritten);
        var progress = s.Sync.Total is { } total ? $"{written}/{Count(total)}" : written;
        yield return new LiveDescription(s.Sync.JobId, $"{Records(s)} · {Counters(s)}");
        yield return new LiveDescription(null, $"{Records(s)} · {rate} · {batches} · {refreshes} · {Plural(s.AuthReplays, "replay", "replays")} · {retries}");
        yield return new LiveDescription(null, $"{progress} · {rate} · {batches} · {refreshes} · {retries}");

        // The percentage column still shows how far along the run is.
        yield return new LiveDescription(null, $"{written} · {rate} · {batches} · {refreshes} · {retries}");
        yield return new LiveDescription(null, $"{written} · {rate} · {Count(s.Sync.Batches)} bat. · {Count(s.TokenRefreshes)} refr. · {Count(s.Retries)} retr.");
    }

    public static string Line(ProgressSnapshot s)
    {
        var percent = s.Sync.Total is > 0 and var total ? string.Create(CultureInfo.InvariantCulture, $" ({100.0 * s.Sync.RecordsWritten / total:0}%)") : "";
        return string.Create(CultureInfo.InvariantCulture, $"[{s.Elapsed.TotalSeconds,6:0.0} s] {s.Sync.JobId}: {Records(s)}{percent} · {Counters(s)}");
    }
}

/// <summary>A live bar's description: the job's name (only in the widest wording, where the bar shows it in bold) and the counts.</summary>
internal readonly record struct LiveDescription(string? Job, string Counts)
{
    /// <summary>Columns it takes.</summary>
    public int Length => (Job is null ? 0 : Job.Length + 1) + Counts.Length;

    public override string ToString() => Job is null ? Counts : $"{Job} {Counts}";
}
