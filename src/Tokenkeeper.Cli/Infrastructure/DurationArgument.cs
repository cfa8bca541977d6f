using System.Globalization;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>Reads durations written as a whole number and a unit: <c>500ms</c>, <c>20s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>.</summary>
internal static class DurationArgument
{
    public static bool TryParse(string? text, out TimeSpan duration) => Sync.Configuration.DurationText.TryParse(text, out duration);

    public static string Format(TimeSpan duration) =>
        duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds:0} ms"
        : duration.TotalMinutes < 2 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.#} s")
        : duration.TotalHours < 2 ? string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.#} min")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.TotalHours:0.#} h");
}
