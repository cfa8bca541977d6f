using System.Globalization;

namespace Tokenkeeper.Sync.Configuration;

/// <summary>Reads durations written as a whole number and a unit: <c>500ms</c>, <c>20s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>
/// (job files and command-line flags alike).</summary>
internal static class DurationText
{
    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)), ("h", TimeSpan.FromHours(1)), ("d", TimeSpan.FromDays(1)),
    ];

    /// <summary>Parses a positive duration; <paramref name="allowZero"/> also takes <c>0</c> (with or without a unit).</summary>
    public static bool TryParse(string? text, out TimeSpan duration, bool allowZero = false)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (allowZero && text.TrimEnd('m', 's', 'h', 'd') == "0")
        {
            return true;
        }

        foreach (var (unit, size) in Units)
        {
            if (text.EndsWith(unit, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(0, text.Length - unit.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                && count > 0 && count <= TimeSpan.MaxValue.Ticks / size.Ticks / 2)
            {
                duration = size * count;
                return true;
            }
        }

        return false;
    }
}
