using System.Globalization;
using System.Text.Json;

namespace Tokenkeeper.Simulator;

/// <summary>Reads one dial value from JSON, in the forms <c>POST /sim/dials</c> accepts; false when it does not fit.</summary>
internal static class DialValues
{
    public static bool Duration(JsonElement value, bool allowNegative, Action<TimeSpan> set)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && (allowNegative || seconds >= 0)
            && Math.Abs(seconds) <= SimulatorDefaults.MaxDuration.TotalSeconds)
        {
            set(TimeSpan.FromSeconds(seconds));
            return true;
        }

        if (DurationText.TryParse(value.ValueKind == JsonValueKind.String ? value.GetString() : null, allowNegative, out var duration))
        {
            set(duration);
            return true;
        }

        return false;
    }

    public static bool NullableDuration(JsonElement value, Action<TimeSpan?> set)
    {
        if (value.ValueKind == JsonValueKind.Null || (value.ValueKind == JsonValueKind.String && value.GetString() == "off"))
        {
            set(null);
            return true;
        }

        return Duration(value, false, d => set(d));
    }

    public static bool Enum<T>(string? text, Action<T> set)
        where T : struct, Enum
    {
        if (text is null || !System.Enum.TryParse<T>(text, ignoreCase: true, out var parsed) || !System.Enum.IsDefined(parsed) || char.IsAsciiDigit(text[0]))
        {
            return false;
        }

        set(parsed);
        return true;
    }

    public static bool Number(JsonElement value, Action<double> set)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number))
        {
            set(number);
            return true;
        }

        if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number))
        {
            set(number);
            return true;
        }

        return false;
    }

    public static bool Boolean(JsonElement value, Action<bool> set)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            set(value.GetBoolean());
            return true;
        }

        return false;
    }

    public static bool Integer(JsonElement value, Action<int> set)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            set(number);
            return true;
        }

        return false;
    }

    public static bool List(JsonElement value, Action<IList<string>> set)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                set([.. value.EnumerateArray().Select(e => e.GetString()!)]);
                return true;
            case JsonValueKind.String:
                set([.. value.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]);
                return true;
            case JsonValueKind.Null:
                set([]);
                return true;
            default:
                return false;
        }
    }
}
