using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>Parses and prints <c>--rate-limit N/W</c> (<c>10/1m</c>, <c>100/1s</c>) and <c>off</c>.</summary>
internal static class RateLimitText
{
    public const string Syntax = "N/<duration> such as 10/1m or 100/1s, or off";

    public static bool TryParse(string? text, out int? count, out TimeSpan window)
    {
        count = null;
        window = SimulatorDefaults.RateLimitWindow;
        var value = text?.Trim();
        if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var slash = value?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (slash <= 0
            || !int.TryParse(value.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            || n <= 0)
        {
            return false;
        }

        var windowText = value![(slash + 1)..];
        if (windowText.Length > 0 && !char.IsAsciiDigit(windowText[0]))
        {
            windowText = "1" + windowText;
        }

        if (!DurationText.TryParse(windowText, allowNegative: false, out window) || window <= TimeSpan.Zero)
        {
            return false;
        }

        count = n;
        return true;
    }

    public static string Format(int? count, TimeSpan window) =>
        count is null ? "off" : string.Create(CultureInfo.InvariantCulture, $"{count}/{DurationText.Format(window)}");
}
