using System.Globalization;
using Spectre.Console;

namespace Tokenkeeper.Cli.Infrastructure;

/// <summary>
/// How the process's console writes for every command (issue 13, item 6): no colours or escape codes when stdout is a file or
/// a pipe or <c>NO_COLOR</c> is set, and the width from <c>COLUMNS</c> when it is set (from the terminal otherwise; a fixed
/// width for files and pipes).
/// </summary>
internal static class ConsoleSetup
{
    /// <summary>The environment variable that turns colours off whatever its (non-empty) value (https://no-color.org).</summary>
    public const string NoColorVariable = "NO_COLOR";

    /// <summary>The environment variable that sets the width a terminal's output is laid out for.</summary>
    public const string ColumnsVariable = "COLUMNS";

    /// <summary>Replaces <see cref="AnsiConsole.Console"/> when the output must be plain, and applies <c>COLUMNS</c>.</summary>
    public static void Configure()
    {
        if (Plain(Console.IsOutputRedirected, Environment.GetEnvironmentVariable(NoColorVariable)))
        {
            AnsiConsole.Console = PlainConsole(Console.Out);
        }

        if (Columns(Environment.GetEnvironmentVariable(ColumnsVariable)) is { } columns)
        {
            AnsiConsole.Profile.Width = columns;
        }
    }

    /// <summary>A console that writes plain text to <paramref name="output"/>: no colours, no escape codes, no cursor movement,
    /// laid out at <see cref="CliConstants.PlainOutputWidth"/> columns.</summary>
    public static IAnsiConsole PlainConsole(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = CliConstants.PlainOutputWidth;
        return console;
    }

    /// <summary>Whether output is plain text: redirected, or colours turned off.</summary>
    public static bool Plain(bool redirected, string? noColor) => redirected || !string.IsNullOrEmpty(noColor);

    /// <summary>A usable <c>COLUMNS</c> value (20 or more), or null.</summary>
    public static int? Columns(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns >= CliConstants.MinColumns ? columns : null;
}
