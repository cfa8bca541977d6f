namespace Tokenkeeper.Simulator;

/// <summary>Parses the fault names of <c>--faults</c> and <c>--api-faults</c>.</summary>
internal static class FaultText
{
    public const string Syntax =
        "503, 500, 429[:retry-after], delay[:duration], drop-before, drop-after, html[:200|:502], truncated, error-in-200";

    public static bool TryParse(string? text, out FaultSpec spec)
    {
        spec = default;
        var value = text?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? value : value[..colon];
        var argument = colon < 0 ? null : value[(colon + 1)..];
        switch (name)
        {
            case "503" when argument is null:
                spec = new FaultSpec(FaultKind.ServiceUnavailable, TimeSpan.Zero, 503);
                return true;
            case "500" when argument is null:
                spec = new FaultSpec(FaultKind.InternalServerError, TimeSpan.Zero, 500);
                return true;
            case "drop-before" when argument is null:
                spec = new FaultSpec(FaultKind.DropBefore, TimeSpan.Zero, 0);
                return true;
            case "drop-after" when argument is null:
                spec = new FaultSpec(FaultKind.DropAfter, TimeSpan.Zero, 0);
                return true;
            case "truncated" when argument is null:
                spec = new FaultSpec(FaultKind.Truncated, TimeSpan.Zero, 200);
                return true;
            case "error-in-200" when argument is null:
                spec = new FaultSpec(FaultKind.ErrorIn200, TimeSpan.Zero, 200);
                return true;
            case "html" when argument is null or "200" or "502":
                spec = new FaultSpec(FaultKind.Html, TimeSpan.Zero, argument is null ? 0 : int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture));
                return true;
            case "429":
                return TryWithDuration(FaultKind.TooManyRequests, argument, SimulatorDefaults.FaultRetryAfter, out spec);
            case "delay":
                return TryWithDuration(FaultKind.Delay, argument, SimulatorDefaults.FaultDelay, out spec);
            default:
                return false;
        }
    }

    public static string UnknownMessage(string? text) => $"unknown fault '{text}'; valid faults: {Syntax}";

    private static bool TryWithDuration(FaultKind kind, string? argument, TimeSpan fallback, out FaultSpec spec)
    {
        spec = default;
        var duration = fallback;
        if (argument is not null && !DurationText.TryParse(argument, allowNegative: false, out duration))
        {
            return false;
        }

        spec = new FaultSpec(kind, duration, kind == FaultKind.TooManyRequests ? 429 : 0);
        return true;
    }
}
