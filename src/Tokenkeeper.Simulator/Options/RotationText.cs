namespace Tokenkeeper.Simulator;

/// <summary>Parses and prints <c>--rotation none|rotate|grace[:N]|reuse-detection</c>.</summary>
internal static class RotationText
{
    public const string Syntax = "none, rotate, grace:<duration> or reuse-detection";

    public static bool TryParse(string? text, out RotationMode mode, out TimeSpan? grace)
    {
        grace = null;
        mode = RotationMode.Rotate;
        var value = text?.Trim().ToLowerInvariant();
        switch (value)
        {
            case "none":
                mode = RotationMode.None;
                return true;
            case "rotate":
                mode = RotationMode.Rotate;
                return true;
            case "reuse-detection":
                mode = RotationMode.ReuseDetection;
                return true;
            case "grace":
                mode = RotationMode.Grace;
                return true;
        }

        if (value is not null && value.StartsWith("grace:", StringComparison.Ordinal)
            && DurationText.TryParse(value["grace:".Length..], allowNegative: false, out var window))
        {
            mode = RotationMode.Grace;
            grace = window;
            return true;
        }

        return false;
    }

    public static string Format(RotationMode mode, TimeSpan grace) => mode switch
    {
        RotationMode.None => "none",
        RotationMode.Rotate => "rotate",
        RotationMode.Grace => "grace:" + DurationText.Format(grace),
        _ => "reuse-detection",
    };
}
