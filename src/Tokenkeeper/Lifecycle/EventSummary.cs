using System.Globalization;
using Tokenkeeper.Events;

namespace Tokenkeeper.Lifecycle;

/// <summary>
/// An event in one line for the log sink: its reason and detail when it has them (never a "(null)"), and when it occurred, so an
/// event delivered long after it happened (by <c>lifecycle run --once</c> after a night of syncs) is never read as a new one.
/// </summary>
internal static class EventSummary
{
    /// <summary>What <paramref name="e"/> says, and when it occurred relative to <paramref name="now"/>.</summary>
    public static string Describe(ConnectionEvent e, DateTimeOffset now)
    {
        var what = (e.Reason, e.Detail) switch
        {
            ({ } reason, { } detail) => $"{reason}: {detail}",
            ({ } reason, null) => reason,
            (null, { } detail) => detail,
            _ => "no detail",
        };
        var age = now - e.OccurredAt;
        var when = e.OccurredAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        return age < LifecycleConstants.EventLateAfter
            ? $"{what} (occurred {when})"
            : $"{what} (occurred {when}, {Ago(age)} ago: delivered late)";
    }

    private static string Ago(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays}d {age.Hours}h"
        : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h {age.Minutes}m"
        : age.TotalMinutes >= 1 ? $"{(int)age.TotalMinutes}m {age.Seconds}s"
        : $"{(int)age.TotalSeconds}s";
}
