using System.Globalization;

namespace Tokenkeeper.Cli.Jobs;

/// <summary>Reads durations written as a whole number and a unit: <c>500ms</c>, <c>20s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>.</summary>
internal static class DurationArgument
{
    private static readonly (string Unit, TimeSpan Size)[] Units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)), ("h", TimeSpan.FromHours(1)), ("d", TimeSpan.FromDays(1)),
    ];

    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
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

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds:0} ms"
        : duration.TotalMinutes < 2 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s")
        : duration.TotalHours < 2 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.#} min")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalHours:0.#} h");
}
