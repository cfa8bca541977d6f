using System.Globalization;

namespace Tokenkeeper.Simulator;

/// <summary>Parses and prints durations as the flags write them: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>12h</c>, <c>90d</c>.</summary>
internal static class DurationText
{
    public const string Syntax = "a whole number followed by ms, s, m, h or d (500ms, 30s, 5m, 12h, 90d)";

    public static bool TryParse(string? text, bool allowNegative, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        var negative = span[0] == '-';
        if (negative)
        {
            if (!allowNegative)
            {
                return false;
            }

            span = span[1..];
        }

        var digits = 0;
        while (digits < span.Length && char.IsAsciiDigit(span[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(span[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        TimeSpan? unit = span[digits..] switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            "" when number == 0 => TimeSpan.Zero,
            _ => null,
        };
        if (unit is null || number > TimeSpan.MaxValue.Ticks / Math.Max(1, unit.Value.Ticks))
        {
            return false;
        }

        value = TimeSpan.FromTicks(number * unit.Value.Ticks * (negative ? -1 : 1));
        return true;
    }

    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sign = value < TimeSpan.Zero ? "-" : string.Empty;
        var ticks = Math.Abs(value.Ticks);
        (long Ticks, string Suffix)[] units =
        [
            (TimeSpan.TicksPerDay, "d"), (TimeSpan.TicksPerHour, "h"), (TimeSpan.TicksPerMinute, "m"),
            (TimeSpan.TicksPerSecond, "s"), (TimeSpan.TicksPerMillisecond, "ms"),
        ];
        foreach (var (unitTicks, suffix) in units)
        {
            if (ticks % unitTicks == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"{sign}{ticks / unitTicks}{suffix}");
            }
        }

        return string.Create(CultureInfo.InvariantCulture, $"{sign}{ticks / TimeSpan.TicksPerMillisecond}ms");
    }
}
